#pragma once
//! Hot-path decoding of input messages into events, with simdjson's on-demand API.
//! One decoder per thread (it owns a parser and a padded buffer): the source thread in the runtime.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "src/core/event.hpp"

namespace spotstream {

//! Which input a message came from; decides which shapes are accepted.
enum class InputKind { Prices, Signals, Fleet };

struct DecodeLimits {
  std::size_t max_message_bytes = 65536;
  double max_price = 1000.0;
  //! Plain canonical ticks are read by a scanner of their own before simdjson; the results are
  //! the same (checked by tests and the prices fuzz target), so this is off only to compare them.
  bool scan_canonical_ticks = true;
};

//! Why a message was rejected: a dlq:: reason code and a sentence for people.
struct DecodeError {
  std::string reason;
  std::string detail;
};

class EventDecoder {
 public:
  explicit EventDecoder(DecodeLimits limits = {});
  ~EventDecoder();
  EventDecoder(const EventDecoder&) = delete;
  EventDecoder& operator=(const EventDecoder&) = delete;

  //! Decodes one message. On success appends one or more events to `out` and returns true.
  //! On failure appends nothing, fills `error` and returns false: a message is all or nothing.
  //! Prices: canonical tick, a describe-spot-price-history item, or a whole CLI response
  //!   ({"SpotPriceHistory":[...]}, possibly empty -> true with nothing appended).
  //! Signals: EventBridge interruption warning / rebalance recommendation, canonical signal, or an
  //!   IMDS body (instance-action / rebalance) whose instance id is the message key.
  //! Fleet: canonical fleet event (join/leave).
  bool decode(InputKind kind, std::string_view key, std::string_view value, std::vector<Event>& out,
              DecodeError& error);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace spotstream
