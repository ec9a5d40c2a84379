#include "operators/feature_builder.hpp"

#include <cmath>
#include <numbers>

#include "src/core/region_time.hpp"
#include "src/feed/on_demand_prices.hpp"
#include "src/model/spot_advisor.hpp"

namespace spotstream {

Features FeatureBuilder::operator()(const PriceTick& tick, const WindowStats& window, FamilyStressState& family) const {
  Features f;
  f.price = window.last_price;
  f.window_min = window.min;
  f.window_max = window.max;
  f.volatility_24h = window.volatility_24h;
  f.ticks_in_window = window.ticks_in_window;
  f.price_position = window.max > window.min ? (f.price - window.min) / (window.max - window.min) : 0.5;

  const FamilyStress stress = FamilyStressOp{}(family, tick.az, tick.instance_type, tick.product, f.price_position);
  f.family_stress_mean = stress.mean;
  f.family_stress_max = stress.max;
  f.family_pools = stress.pools;

  // A non-positive on-demand price is no price: it would make the depth meaningless.
  if (tick.has_on_demand() && tick.on_demand_price > 0) {
    f.on_demand_price = tick.on_demand_price;
    f.on_demand_source = "tick";
  } else if (const auto od = tick.product.starts_with("Linux/UNIX") ? on_demand_price(tick.region, tick.instance_type)
                                                                     : std::nullopt;
             od && *od > 0) {
    f.on_demand_price = *od;
    f.on_demand_source = "table";
  } else {
    f.on_demand_price = kAbsent;
    f.on_demand_source = "absent";
  }
  f.discount_depth = std::isnan(f.on_demand_price) ? kAbsent : 1.0 - f.price / f.on_demand_price;

  const LocalClock clock = local_clock(window.last_ts, tick.region);
  const double hour = clock.hour();
  const double angle = 2.0 * std::numbers::pi * hour / 24.0;
  f.hour_sin = std::sin(angle);
  f.hour_cos = std::cos(angle);
  f.is_weekend = clock.weekend();
  f.is_business_hours = !f.is_weekend && hour >= kBusinessHoursStart && hour < kBusinessHoursEnd;

  if (advisor_ != nullptr) {
    if (const auto os = SpotAdvisor::os_of_product(tick.product)) {
      if (const auto e = advisor_->lookup(tick.region, *os, tick.instance_type)) {
        f.advisor_band = e->band;
        f.advisor_band_label = e->band_label;
        f.advisor_savings_pct = e->savings_pct;
      }
    }
  }
  return f;
}

RiskRecord FeatureBuilder::record(const PriceTick& tick, const WindowStats& window, Features features, RiskScore score) {
  RiskRecord r;
  r.pool = tick.pool_id();
  r.region = tick.region;
  r.az = tick.az;
  r.instance_type = tick.instance_type;
  r.product = tick.product;
  r.family = tick.family();
  r.ts = window.last_ts;
  r.features = std::move(features);
  r.score = std::move(score);
  return r;
}

}  // namespace spotstream
