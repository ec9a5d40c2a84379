#pragma once
// Shared by the codec tests: one-call decoding with the result in one value.
#include <string>
#include <string_view>
#include <vector>

#include "src/codec/dlq_reason.hpp"
#include "src/codec/event_decoder.hpp"

namespace spotstream::testing {

struct Decoded {
  bool ok = false;
  std::vector<Event> events;
  DecodeError error;

  template <class T>
  const T& at(std::size_t i = 0) const {
    return std::get<T>(events.at(i));
  }
};

// A decoder reused across calls (as the runtime reuses one per thread), so buffer reuse is tested.
inline Decoded decode(InputKind kind, std::string_view value, std::string_view key = {}) {
  static EventDecoder decoder;
  Decoded d;
  d.ok = decoder.decode(kind, key, value, d.events, d.error);
  return d;
}

inline Decoded decode_with(const DecodeLimits& limits, InputKind kind, std::string_view value,
                           std::string_view key = {}) {
  EventDecoder decoder(limits);
  Decoded d;
  d.ok = decoder.decode(kind, key, value, d.events, d.error);
  return d;
}

inline const std::vector<std::string>& all_dlq_reasons() {
  static const std::vector<std::string> reasons = {
      dlq::kMalformedJson, dlq::kMissingField,   dlq::kWrongType, dlq::kBadPrice,
      dlq::kBadTimestamp,  dlq::kUnknownAz,      dlq::kBadValue,  dlq::kUnknownFormat,
      dlq::kMissingInstanceId, dlq::kOversize,   dlq::kLate};
  return reasons;
}

}  // namespace spotstream::testing
