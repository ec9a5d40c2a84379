#include "operators/price/feature_builder.hpp"

#include <cmath>

#include "src/core/region_time.hpp"
#include "src/model/spot_advisor.hpp"

namespace spotstream {

namespace {

void resolve(const PriceTick& tick, ReferenceData refs, PoolStatics& s) {
  const SpotAdvisor* advisor = refs.advisor;
  const OnDemandCatalog& catalog = refs.on_demand ? *refs.on_demand : *OnDemandCatalog::builtin();
  s = PoolStatics{};  // resolved again after a Spot Advisor reload: nothing of the old data stays
  s.resolved = true;
  // The table holds Linux prices; a non-positive price is no price.
  if (tick.product.starts_with("Linux/UNIX"))
    if (const auto od = catalog.price(tick.region, tick.instance_type); od && *od > 0) s.table_on_demand = *od;
  s.utc_offset_min = utc_offset_minutes(tick.region);
  if (advisor == nullptr) return;
  if (const auto hw = advisor->instance(tick.instance_type)) {
    s.instance_cores = hw->cores;
    s.instance_ram_gb = hw->ram_gb;
  }
  if (const auto os = SpotAdvisor::os_of_product(tick.product))
    if (const auto e = advisor->lookup(tick.region, *os, tick.instance_type)) {
      s.advisor_band = e->band;
      s.advisor_band_label = e->band_label;
      s.advisor_savings_pct = e->savings_pct;
    }
}

}  // namespace

Features FeatureBuilder::operator()(const PriceTick& tick, const WindowStats& window, FamilyStressState& family) const {
  auto& group = family.group(tick.routing_hash(), tick.az, tick.family_view());
  PoolStatics statics;
  return (*this)(tick, window, group, FamilyStressState::member(group, tick.instance_type, tick.product, 0), statics);
}

void FeatureBuilder::describe(RiskRecord& r, const PoolStatics& statics) { r.advisor_band_label = statics.advisor_band_label; }

Features FeatureBuilder::operator()(const PriceTick& tick, const WindowStats& window, FamilyStressState::Group& family,
                                    std::size_t member, PoolStatics& statics, ReferenceData refs) const {
  if (!statics.resolved) resolve(tick, refs, statics);
  Features f;
  f.price = window.last_price;
  f.window_min = window.min;
  f.window_max = window.max;
  f.volatility_24h = window.volatility_24h;
  f.ticks_in_window = window.ticks_in_window;
  f.price_position = window.max > window.min ? (f.price - window.min) / (window.max - window.min) : 0.5;
  const FamilyStress stress = FamilyStressOp{}(family, member, f.price_position);
  f.family_stress_mean = stress.mean;
  f.family_stress_max = stress.max;
  f.family_pools = stress.pools;
  // A non-positive on-demand price is no price: it would make the depth meaningless.
  if (tick.has_on_demand() && tick.on_demand_price > 0) {
    f.on_demand_price = tick.on_demand_price;
    f.on_demand_source = kOnDemandTick;
  } else if (!std::isnan(statics.table_on_demand)) {
    f.on_demand_price = statics.table_on_demand;
    f.on_demand_source = kOnDemandTable;
  } else {
    f.on_demand_price = kAbsent;
    f.on_demand_source = kOnDemandAbsent;
  }
  f.discount_depth = std::isnan(f.on_demand_price) ? kAbsent : 1.0 - f.price / f.on_demand_price;
  const LocalClock clock = statics.clock.at(window.last_ts, statics.utc_offset_min);
  const auto angle = clock.hour_angle();
  f.hour_sin = angle.sin;
  f.hour_cos = angle.cos;
  f.is_weekend = clock.weekend();
  // hour() >= 9.0 exactly when ms_of_day >= 9 h in ms (the division is correctly rounded and the
  // bounds are whole hours), without the division.
  constexpr auto kStartMs = static_cast<std::int64_t>(kBusinessHoursStart * 3'600'000);
  constexpr auto kEndMs = static_cast<std::int64_t>(kBusinessHoursEnd * 3'600'000);
  f.is_business_hours = !f.is_weekend && clock.ms_of_day >= kStartMs && clock.ms_of_day < kEndMs;
  f.advisor_band = statics.advisor_band;
  f.advisor_savings_pct = statics.advisor_savings_pct;
  f.instance_cores = statics.instance_cores;
  f.instance_ram_gb = statics.instance_ram_gb;
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
