// The hot-path decoder, one target per input topic. Input: "key\0value", or a bare value (key: an
// instance id, which an IMDS body on the signals topic needs). A message is all or nothing: on a
// refusal nothing is appended and the reason is a known one with a detail; on success every event
// is of the topic's kind. Prices are also decoded without the canonical tick scanner: the two
// paths must agree on every event and every refusal.
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

bool same_tick(const Event& a, const Event& b) {
  const auto& x = std::get<PriceTick>(a);
  const auto& y = std::get<PriceTick>(b);
  auto same = [](double u, double v) { return u == v || (std::isnan(u) && std::isnan(v)); };
  return x.ts == y.ts && x.region == y.region && x.az == y.az && x.instance_type == y.instance_type &&
         x.product == y.product && same(x.spot_price, y.spot_price) && same(x.on_demand_price, y.on_demand_price);
}

void check_general_path_agrees(std::string_view value, bool ok, const std::vector<Event>& out, const DecodeError& error) {
  static EventDecoder general(DecodeLimits{.scan_canonical_ticks = false});
  std::vector<Event> g;
  DecodeError ge;
  FUZZ_CHECK(general.decode(InputKind::Prices, {}, value, g, ge) == ok);
  FUZZ_CHECK(g.size() == out.size() && ge.reason == error.reason && ge.detail == error.detail);
  for (std::size_t i = 0; i < g.size(); ++i) FUZZ_CHECK(same_tick(g[i], out[i]));
}

void decode_one(InputKind kind, std::string_view data) {
  static EventDecoder decoder;  // one per thread in the runtime; libFuzzer runs one thread
  const auto [key, value] = fuzz::split_at_nul(data, "i-0123456789abcdef0");
  std::vector<Event> out;
  DecodeError error;
  const bool ok = decoder.decode(kind, key, value, out, error);
  if (kind == InputKind::Prices) check_general_path_agrees(value, ok, out, error);
  if (ok) {
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
