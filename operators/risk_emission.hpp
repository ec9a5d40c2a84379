#pragma once
//! When a pool's spot.risk record is published: on its first tick, when its score or a feature
//! moves by more than epsilon, and at least every max_interval of event time while it ticks (so a
//! consumer of the compacted topic sees each live pool refreshed) — not once per tick, unless
//! every_tick is set. Stateless; the last emission is part of the pool's state.
#include "src/core/risk.hpp"

namespace spotstream {

struct RiskEmissionSettings {
  double epsilon = 0.01;
  TimestampMs max_interval_ms = 3600 * 1000;  //!< 0: only on change
  bool every_tick = false;
};

//! What was last published for a pool, in the units the comparison uses.
struct LastEmission {
  bool any = false;
  TimestampMs ts = 0;
  double stability = 0, price_position = 0, family_stress_mean = 0, family_stress_max = 0;
  double discount_depth = 0, relative_price = 0, relative_volatility = 0;
};

class RiskEmission {
 public:
  explicit RiskEmission(RiskEmissionSettings s) : s_(s) {}
  //! True when the pool's features and score at `ts` should be published; then `last` becomes them.
  bool operator()(LastEmission& last, TimestampMs ts, const Features& f, const RiskScore& score) const;

 private:
  RiskEmissionSettings s_;
};

}  // namespace spotstream
