#pragma once
//! Features of one pool at one tick (docs/design.md "Features"): from the tick, its pool's window, the
//! family stress of its (az, family), the on-demand price, the region's local standard time and the
//! Spot Advisor band. Stateless; the family-stress state it updates belongs to the shard thread.
#include "operators/price/family_stress.hpp"
#include "operators/price/pool_window.hpp"
#include "src/core/event.hpp"
#include "src/core/region_time.hpp"
#include "src/core/risk.hpp"
#include "src/model/on_demand_catalog.hpp"

namespace spotstream {

class SpotAdvisor;

//! Local weekday hours [start, end) that count as business hours (docs/design.md "is_business_hours").
inline constexpr double kBusinessHoursStart = 9.0;
inline constexpr double kBusinessHoursEnd = 18.0;

//! What a pool's features need that never changes for the pool (on-demand table price, local
//! time zone, Spot Advisor band): looked up on the pool's first tick and kept in its state, so the
//! per-tick path is arithmetic only.
struct PoolStatics {
  bool resolved = false;
  double table_on_demand = kAbsent;  //!< NaN when the table has no price for the pool
  int utc_offset_min = 0;
  int advisor_band = -1;
  std::string advisor_band_label;
  int advisor_savings_pct = 0;
  double instance_cores = kAbsent;  //!< Spot Advisor instance metadata
  double instance_ram_gb = kAbsent;
  LocalDayCache clock;  //!< the pool's local day, so most ticks skip the calendar arithmetic
};

//! The reference data a pool's statics are resolved from (both reloadable on the live path).
struct ReferenceData {
  const SpotAdvisor* advisor = nullptr;          //!< null: bands unknown
  const OnDemandCatalog* on_demand = nullptr;    //!< null: the catalogue shipped with the project
};

class FeatureBuilder {
 public:
  //! `advisor` may be null: the band is then unknown (-1). It must outlive the builder. On-demand
  //! prices come from the shipped catalogue.
  explicit FeatureBuilder(const SpotAdvisor* advisor = nullptr) : refs_{advisor, nullptr} {}

  //! Features for `tick`, whose pool window (after the tick was added) has `window`. Updates the
  //! pool's price_position (member `member` of its family group) and reads the family's stress back.
  //! - The pool's present is the window's latest tick (window.last_price at window.last_ts): for a
  //!   tick in order that is the tick itself; a tick placed out of order (within lateness) can move
  //!   the window's min/max but not the pool's current price or time.
  //! - price_position = (price - min) / (max - min), 0.5 when max == min.
  //! - On-demand: the tick's own when it carries one ("tick"), else the on-demand catalogue for
  //!   Linux/UNIX products by region and type ("table": it holds Linux prices only), else NaN
  //!   ("absent"). discount_depth = 1 - spot / on-demand, NaN when absent. It is NOT clamped: a
  //!   spot price above on-demand gives a negative depth, which is exactly the warning it carries.
  //! - Time, in the region's local standard time (core/region_time): hour_sin/hour_cos of the
  //!   fractional hour h (2*pi*h/24), is_weekend (Sat/Sun), is_business_hours (weekday, 09:00-18:00).
  Features operator()(const PriceTick& tick, const WindowStats& window, FamilyStressState::Group& family,
                      std::size_t member, PoolStatics& statics) const {
    return (*this)(tick, window, family, member, statics, refs_);
  }
  //! The same with the reference data given per call (the live path: it can be reloaded, and a
  //! pool's statics are then resolved again).
  Features operator()(const PriceTick& tick, const WindowStats& window, FamilyStressState::Group& family,
                      std::size_t member, PoolStatics& statics, ReferenceData refs) const;
  //! The same, finding the pool in `family` by name and looking its statics up afresh (tests,
  //! one-off use).
  Features operator()(const PriceTick& tick, const WindowStats& window, FamilyStressState& family) const;

  //! Adds to a record what only a published record needs: the Spot Advisor band's label (a string
  //! copy per tick would cost more than the band).
  static void describe(RiskRecord& r, const PoolStatics& statics);

  //! The spot.risk record of those features and a score: keyed by the tick's pool, stamped with the
  //! window's latest time (the moment the features describe).
  static RiskRecord record(const PriceTick& tick, const WindowStats& window, Features features, RiskScore score);

 private:
  ReferenceData refs_;
};

}  // namespace spotstream
