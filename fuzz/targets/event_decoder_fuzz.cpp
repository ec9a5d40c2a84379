// The hot-path decoder, one target per input topic. Input: "key\0value", or a bare value (key: an
// instance id, which an IMDS body on the signals topic needs). A message is all or nothing: on a
// refusal nothing is appended and the reason is a known one with a detail; on success every event
// is of the topic's kind.
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "fuzz/fuzz_target.hpp"
#include "fuzz/targets/check.hpp"
#include "src/codec/dlq_reason.hpp"
#include "src/codec/event_decoder.hpp"

namespace {

using namespace spotstream;

bool known_reason(const std::string& r) {
  static const std::set<std::string> known = {
      dlq::kMalformedJson, dlq::kMissingField, dlq::kWrongType, dlq::kBadPrice, dlq::kBadTimestamp,
      dlq::kUnknownAz, dlq::kBadValue, dlq::kUnknownFormat, dlq::kMissingInstanceId, dlq::kOversize};
  return known.count(r) == 1;
}

bool of_kind(const Event& e, InputKind kind) {
  switch (kind) {
    case InputKind::Prices: return std::holds_alternative<PriceTick>(e);
    case InputKind::Signals: return std::holds_alternative<Signal>(e);
    case InputKind::Fleet: return std::holds_alternative<FleetEvent>(e);
  }
  return false;
}

void decode_one(InputKind kind, std::string_view data) {
  static EventDecoder decoder;  // one per thread in the runtime; libFuzzer runs one thread
  const auto [key, value] = fuzz::split_at_nul(data, "i-0123456789abcdef0");
  std::vector<Event> out;
  DecodeError error;
  if (decoder.decode(kind, key, value, out, error)) {
    for (const auto& e : out) FUZZ_CHECK(of_kind(e, kind));
    for (const auto& e : out)
      if (const auto* t = std::get_if<PriceTick>(&e)) FUZZ_CHECK(std::isfinite(t->spot_price) && t->spot_price >= 0);
  } else {
    FUZZ_CHECK(out.empty());
    FUZZ_CHECK(known_reason(error.reason) && !error.detail.empty());
  }
}

}  // namespace

SPOTSTREAM_FUZZ_TARGET(prices) { decode_one(spotstream::InputKind::Prices, data); }
SPOTSTREAM_FUZZ_TARGET(signals) { decode_one(spotstream::InputKind::Signals, data); }
SPOTSTREAM_FUZZ_TARGET(fleet) { decode_one(spotstream::InputKind::Fleet, data); }
