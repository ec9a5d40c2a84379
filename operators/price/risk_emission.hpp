#pragma once
//! When a pool's spot.risk record is published: on its first tick, when its score or a feature
//! moves by more than epsilon, and on its first tick in each max_interval-long slot of event time
//! (slots aligned to the epoch), so a consumer of the compacted topic sees each live pool refreshed
//! at least every max_interval — not once per tick, unless every_tick is set. Aligned slots make the
//! refresh independent of history: two runs whose last records differ (one restarted mid-stream,
//! its state rebuilt from a window of the log) both publish at the next slot and agree from there.
//! Stateless; the last emission is part of the pool's state.
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
