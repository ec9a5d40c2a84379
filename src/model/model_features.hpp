#pragma once
//! The features a model file may ask for: every numeric value the price path produces per pool and
//! tick (src/core/risk.hpp Features), by name, plus a few ratios of them. A model names its inputs in
//! order; the loader maps each name to a FeatureId once, and scoring reads the values straight out
//! of Features (no strings, no allocation per tick). A name not in this catalogue is a feature the
//! processor cannot produce: the loader refuses the model.
//!
//! Missing values are NaN (never a sentinel): an unknown Spot Advisor band, no on-demand price,
//! unknown instance hardware. Logistic models impute their training mean; XGBoost treats NaN as
//! missing, as Python's xgboost does.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "src/core/risk.hpp"

namespace spotstream {

enum class FeatureId : std::uint8_t {
  Price,                 //!< spot price, USD/h
  WindowMin,             //!< 7-day min
  WindowMax,             //!< 7-day max
  PricePosition,         //!< (price - min) / (max - min), 0.5 when flat
  DiscountDepth,         //!< 1 - spot / on-demand; NaN when no on-demand price
  OnDemandPrice,         //!< NaN when absent
  FamilyStressMean,
  FamilyStressMax,
  FamilyStressGap,       //!< family_stress_max - price_position: a sibling is high while this pool is not
  FamilyPools,
  Volatility24h,         //!< USD/h
  RelativeVolatility24h, //!< volatility_24h / price (coefficient of variation)
  WindowRangeRel,        //!< (max - min) / price
  PriceVsMin,            //!< price / min - 1
  HourSin,
  HourCos,
  IsWeekend,             //!< 0/1
  IsBusinessHours,       //!< 0/1
  TicksInWindow,
  AdvisorBand,           //!< 0 (<5%) .. 4 (>20%); NaN when the advisor does not know the pool
  AdvisorSavingsPct,     //!< NaN when unknown
  InstanceCores,         //!< Spot Advisor instance metadata; NaN when unknown
  InstanceRamGb,
  //! Interruption pressure (Features::pressure): distinct instances with an interruption notice /
  //! a rebalance recommendation, in the pool / in its family in the AZ, within the short, medium
  //! and long windows (risk.pressure_*_ms).
  PoolNoticesShort,
  PoolNoticesMedium,
  PoolNoticesLong,
  PoolRebalancesShort,
  PoolRebalancesMedium,
  PoolRebalancesLong,
  FamilyNoticesShort,
  FamilyNoticesMedium,
  FamilyNoticesLong,
  FamilyRebalancesShort,
  FamilyRebalancesMedium,
  FamilyRebalancesLong,
  Count_
};

inline constexpr std::size_t kFeatureCount = static_cast<std::size_t>(FeatureId::Count_);
//! Upper bound on a model's feature list (scoring keeps one row on the stack).
inline constexpr std::size_t kMaxModelFeatures = 64;

//! The catalogue name of a feature, e.g. "price_position".
std::string_view feature_name(FeatureId id);
//! The FeatureId of a catalogue name; nullopt for a feature spotstream cannot produce.
std::optional<FeatureId> feature_by_name(std::string_view name);
//! "price, window_min, ..." for error messages and --help.
std::string feature_catalogue_list();

//! The value of one feature; NaN when unknown. Inline: scoring calls it per feature per tick.
inline double feature_value(const Features& f, FeatureId id) {
  switch (id) {
    case FeatureId::Price: return f.price;
    case FeatureId::WindowMin: return f.window_min;
    case FeatureId::WindowMax: return f.window_max;
    case FeatureId::PricePosition: return f.price_position;
    case FeatureId::DiscountDepth: return f.discount_depth;
    case FeatureId::OnDemandPrice: return f.on_demand_price;
    case FeatureId::FamilyStressMean: return f.family_stress_mean;
    case FeatureId::FamilyStressMax: return f.family_stress_max;
    case FeatureId::FamilyStressGap: return f.family_stress_max - f.price_position;
    case FeatureId::FamilyPools: return f.family_pools;
    case FeatureId::Volatility24h: return f.volatility_24h;
    case FeatureId::RelativeVolatility24h: return f.price > 0 ? f.volatility_24h / f.price : kAbsent;
    case FeatureId::WindowRangeRel: return f.price > 0 ? (f.window_max - f.window_min) / f.price : kAbsent;
    case FeatureId::PriceVsMin: return f.window_min > 0 ? f.price / f.window_min - 1.0 : kAbsent;
    case FeatureId::HourSin: return f.hour_sin;
    case FeatureId::HourCos: return f.hour_cos;
    case FeatureId::IsWeekend: return f.is_weekend ? 1.0 : 0.0;
    case FeatureId::IsBusinessHours: return f.is_business_hours ? 1.0 : 0.0;
    case FeatureId::TicksInWindow: return f.ticks_in_window;
    case FeatureId::AdvisorBand: return f.advisor_band >= 0 ? f.advisor_band : kAbsent;
    case FeatureId::AdvisorSavingsPct: return f.advisor_band >= 0 ? f.advisor_savings_pct : kAbsent;
    case FeatureId::InstanceCores: return f.instance_cores;
    case FeatureId::InstanceRamGb: return f.instance_ram_gb;
    case FeatureId::PoolNoticesShort: return f.pressure.pool_notices[0];
    case FeatureId::PoolNoticesMedium: return f.pressure.pool_notices[1];
    case FeatureId::PoolNoticesLong: return f.pressure.pool_notices[2];
    case FeatureId::PoolRebalancesShort: return f.pressure.pool_rebalances[0];
    case FeatureId::PoolRebalancesMedium: return f.pressure.pool_rebalances[1];
    case FeatureId::PoolRebalancesLong: return f.pressure.pool_rebalances[2];
    case FeatureId::FamilyNoticesShort: return f.pressure.family_notices[0];
    case FeatureId::FamilyNoticesMedium: return f.pressure.family_notices[1];
    case FeatureId::FamilyNoticesLong: return f.pressure.family_notices[2];
    case FeatureId::FamilyRebalancesShort: return f.pressure.family_rebalances[0];
    case FeatureId::FamilyRebalancesMedium: return f.pressure.family_rebalances[1];
    case FeatureId::FamilyRebalancesLong: return f.pressure.family_rebalances[2];
    case FeatureId::Count_: break;
  }
  return kAbsent;
}

//! The Features whose catalogue values are `catalogue` (kFeatureCount values in FeatureId order,
//! as exported by `spotstream train --export-features`): feature_value() of the result gives them
//! back, so a model scores an exported row exactly as it scored the pool live.
Features features_from_catalogue(const double* catalogue);

//! Writes the values of `ids`, in order, to `out` (at least ids.size() long).
inline void extract_features(const Features& f, std::span<const FeatureId> ids, double* out) {
  for (std::size_t i = 0; i < ids.size(); ++i) out[i] = feature_value(f, ids[i]);
}

}  // namespace spotstream
