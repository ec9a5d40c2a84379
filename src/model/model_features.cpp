#include "src/model/model_features.hpp"

#include <array>
#include <cmath>
#include <string>

namespace spotstream {

namespace {

constexpr std::array<std::string_view, kFeatureCount> kNames = {
    "price",          "window_min",        "window_max",
    "price_position", "discount_depth",    "on_demand_price",
    "family_stress_mean", "family_stress_max", "family_stress_gap",
    "family_pools",   "volatility_24h",    "relative_volatility_24h",
    "window_range_rel", "price_vs_min",    "hour_sin",
    "hour_cos",       "is_weekend",        "is_business_hours",
    "ticks_in_window", "advisor_band",     "advisor_savings_pct",
    "instance_cores", "instance_ram_gb",
    "pool_notices_short",
    "pool_notices_medium",
    "pool_notices_long",
    "pool_rebalances_short",
    "pool_rebalances_medium",
    "pool_rebalances_long",
    "family_notices_short",
    "family_notices_medium",
    "family_notices_long",
    "family_rebalances_short",
    "family_rebalances_medium",
    "family_rebalances_long",
};

}  // namespace

std::string_view feature_name(FeatureId id) { return kNames[static_cast<std::size_t>(id)]; }

std::optional<FeatureId> feature_by_name(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == name) return static_cast<FeatureId>(i);
  return std::nullopt;
}

std::string feature_catalogue_list() {
  std::string out;
  for (const auto n : kNames) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}


Features features_from_catalogue(const double* v) {
  const auto at = [&](FeatureId id) { return v[static_cast<std::size_t>(id)]; };
  Features f;
  f.price = at(FeatureId::Price);
  f.window_min = at(FeatureId::WindowMin);
  f.window_max = at(FeatureId::WindowMax);
  f.price_position = at(FeatureId::PricePosition);
  f.discount_depth = at(FeatureId::DiscountDepth);
  f.on_demand_price = at(FeatureId::OnDemandPrice);
  f.family_stress_mean = at(FeatureId::FamilyStressMean);
  f.family_stress_max = at(FeatureId::FamilyStressMax);
  f.family_pools = static_cast<std::uint32_t>(at(FeatureId::FamilyPools));
  f.volatility_24h = at(FeatureId::Volatility24h);
  f.hour_sin = at(FeatureId::HourSin);
  f.hour_cos = at(FeatureId::HourCos);
  f.is_weekend = at(FeatureId::IsWeekend) != 0;
  f.is_business_hours = at(FeatureId::IsBusinessHours) != 0;
  f.ticks_in_window = static_cast<std::uint32_t>(at(FeatureId::TicksInWindow));
  const double band = at(FeatureId::AdvisorBand);
  f.advisor_band = std::isnan(band) ? -1 : static_cast<int>(band);
  f.advisor_savings_pct = std::isnan(band) ? 0 : static_cast<int>(at(FeatureId::AdvisorSavingsPct));
  f.instance_cores = at(FeatureId::InstanceCores);
  f.instance_ram_gb = at(FeatureId::InstanceRamGb);
  for (std::size_t w = 0; w < kPressureWindows; ++w) {
    const auto count = [&](FeatureId first) {
      return static_cast<std::uint32_t>(at(static_cast<FeatureId>(static_cast<std::size_t>(first) + w)));
    };
    f.pressure.pool_notices[w] = count(FeatureId::PoolNoticesShort);
    f.pressure.pool_rebalances[w] = count(FeatureId::PoolRebalancesShort);
    f.pressure.family_notices[w] = count(FeatureId::FamilyNoticesShort);
    f.pressure.family_rebalances[w] = count(FeatureId::FamilyRebalancesShort);
  }
  return f;
}

}  // namespace spotstream
