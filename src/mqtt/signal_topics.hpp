#pragma once
//! What a message on an MQTT signal topic says: the instance id its topic names (the + level of
//! the filter it matched) and whether its payload is a signal for that instance, of the kind the
//! topic says when its last level names one (instance-action, rebalance). Decodes with the same
//! decoder as the signals topic, so what passes here decodes there the same way. No I/O.
//! Owned by one thread (it holds a decoder).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/codec/event_decoder.hpp"

namespace spotstream {

class SignalTopics {
 public:
  struct Verdict {
    bool ok = false;
    std::string instance_id;  //!< from the topic; empty when no filter matched
    TimestampMs ts = 0;       //!< the signal's time (ok only)
    DecodeError error;        //!< !ok: why (a dlq:: reason and a sentence)
  };

  SignalTopics(std::vector<std::string> filters, DecodeLimits limits);
  Verdict check(std::string_view topic, std::string_view payload);

 private:
  struct Filter {
    std::vector<std::string> levels;
    std::size_t id_level = 0;
  };
  //! The instance id and the expected kind ("" when the topic names none) if `topic` matches.
  bool match(const Filter& f, const std::vector<std::string_view>& levels, std::string& id,
             std::optional<SignalKind>& kind) const;

  std::vector<Filter> filters_;
  EventDecoder decoder_;
  std::vector<Event> scratch_;
};

}  // namespace spotstream
