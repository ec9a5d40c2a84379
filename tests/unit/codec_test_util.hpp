#pragma once
// Shared by the codec tests: one-call decoding with the result in one value.
#include <string>
#include <string_view>
#include <vector>

#include "src/codec/dlq_reason.hpp"
#include "src/codec/event_decoder.hpp"
#include "src/core/risk.hpp"

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
      dlq::kMissingInstanceId, dlq::kOversize,   dlq::kLate, dlq::kAhead};
  return reasons;
}

//! A spot.risk record with every field set, for codec and schema tests.
inline RiskRecord risk_sample() {
  RiskRecord r;
  r.pool = "us-east-1a/p3.2xlarge/Linux/UNIX";
  r.region = "us-east-1";
  r.az = "us-east-1a";
  r.instance_type = "p3.2xlarge";
  r.product = "Linux/UNIX";
  r.family = "p3";
  r.ts = 1704724200123;  // 2024-01-08T14:30:00.123Z
  Features& f = r.features;
  f.price = 0.918;
  f.window_min = 0.9;
  f.window_max = 1.2;
  f.price_position = 0.1 / 3;  // a double with no short decimal form must still round-trip
  f.discount_depth = 0.7;
  f.on_demand_price = 3.06;
  f.on_demand_source = kOnDemandTick;
  f.family_stress_mean = 0.4;
  f.family_stress_max = 0.8;
  f.family_pools = 3;
  f.volatility_24h = 0.0125;
  f.hour_sin = 0.6087614290087209;
  f.hour_cos = -0.793353340291235;
  f.is_business_hours = true;
  f.ticks_in_window = 2016;
  f.advisor_band = 4;
  r.advisor_band_label = ">20%";
  f.advisor_savings_pct = 80;
  f.pressure.pool_notices[2] = 1;
  f.pressure.family_notices[1] = f.pressure.family_notices[2] = 2;
  r.pressure_windows_ms[0] = 600000;
  r.pressure_windows_ms[1] = 3600000;
  r.pressure_windows_ms[2] = 86400000;
  r.score = {0.3, 0.7, "avoid", "heuristic-v1", {}, "1", "heuristic"};
  return r;
}

}  // namespace spotstream::testing
