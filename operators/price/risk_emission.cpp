#include "operators/price/risk_emission.hpp"

#include <cmath>

namespace spotstream {

namespace {

// Absent features (NaN) compare equal to each other and differ from any value.
bool moved(double a, double b, double eps) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) != std::isnan(b);
  return std::fabs(a - b) > eps;
}

std::int64_t slot(TimestampMs ts, TimestampMs len) { return ts >= 0 ? ts / len : (ts - len + 1) / len; }

LastEmission snapshot(TimestampMs ts, const Features& f, const RiskScore& score) {
  LastEmission e;
  e.any = true;
  e.ts = ts;
  e.stability = score.stability;
  e.price_position = f.price_position;
  e.family_stress_mean = f.family_stress_mean;
  e.family_stress_max = f.family_stress_max;
  e.discount_depth = f.discount_depth;
  e.relative_price = f.price;
  e.relative_volatility = f.price > 0 ? f.volatility_24h / f.price : 0;
  return e;
}

}  // namespace

bool RiskEmission::operator()(LastEmission& last, TimestampMs ts, const Features& f, const RiskScore& score) const {
  const LastEmission now = snapshot(ts, f, score);
  bool emit = s_.every_tick || !last.any ||
              (s_.max_interval_ms > 0 && slot(ts, s_.max_interval_ms) != slot(last.ts, s_.max_interval_ms));
  if (!emit) {
    const double eps = s_.epsilon;
    emit = moved(now.stability, last.stability, eps) || moved(now.price_position, last.price_position, eps) ||
           moved(now.family_stress_mean, last.family_stress_mean, eps) ||
           moved(now.family_stress_max, last.family_stress_max, eps) ||
           moved(now.discount_depth, last.discount_depth, eps) ||
           moved(now.relative_volatility, last.relative_volatility, eps) ||
           // the price itself, relative to the last published one
           (last.relative_price > 0 && std::fabs(now.relative_price / last.relative_price - 1) > eps);
  }
  if (emit) last = now;
  return emit;
}

}  // namespace spotstream
