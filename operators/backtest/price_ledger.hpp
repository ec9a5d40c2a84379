#pragma once
//! Spot prices per pool as EC2 bills them, for a backtest's simulated fleet and its baselines: a
//! pool's price stands from its tick until the pool's next tick (histories list changes), and an
//! instance is billed for the whole instance, per second, with a minimum of 60 seconds per run
//! (EC2's per-second billing). What is billed is always one instance of the pool's type: a node
//! placed on a larger size pays for all of it.
//! Owned by one thread (the backtest's consumer); add() ticks in any order.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "src/core/event.hpp"
#include "src/core/hash.hpp"
#include "src/model/on_demand_catalog.hpp"

namespace spotstream {

class PriceLedger {
 public:
  static constexpr TimestampMs kMinimumBilledMs = 60'000;

  //! The price of `pool` ("<az>/<type>/<product>", PoolId) from `ts` until its next tick.
  void add(const std::string& pool, TimestampMs ts, double usd_per_hour);
  //! The tick's spot price, and its on-demand price when it carries one.
  void add(const PriceTick& t);

  //! The on-demand price of `instance_type` in `region`: the latest a tick carried, else the
  //! on-demand catalogue (use_catalog; the one shipped with the project by default); nullopt when
  //! neither knows it.
  std::optional<double> on_demand(std::string_view region, std::string_view instance_type) const;
  void use_catalog(std::shared_ptr<const OnDemandCatalog> catalog) { catalog_ = std::move(catalog); }
  //! Every pool with a price, by name.
  std::vector<std::string> pools() const;

  //! The price of `pool` in effect at `ts`; nullopt before its first tick (or an unknown pool).
  std::optional<double> price_at(std::string_view pool, TimestampMs ts) const;

  //! (time, price) in ascending time, one per time: a pool's prices as they took effect.
  using Steps = std::vector<std::pair<TimestampMs, double>>;
  //! A pool's prices; null for an unknown pool.
  const Steps* steps(std::string_view pool) const;
  //! The first step after `ts` (its predecessor, if any, is the price in effect at ts).
  static Steps::const_iterator after(const Steps& steps, TimestampMs ts);

  struct Bill {
    double usd = 0;
    //! Billed time for which no price was known (before the pool's first tick): not in `usd`.
    TimestampMs unpriced_ms = 0;
  };
  //! One instance of `pool` launched at `from` and terminated at `to`: billed per second (a part
  //! second counts whole) with a minimum of 60 s, at the prices in effect over that time.
  Bill run(std::string_view pool, TimestampMs from, TimestampMs to) const;
  //! The prices in effect over [from, to) times the time, exactly (no rounding, no minimum): a
  //! share of a run's bill, e.g. per hour for a chart.
  Bill integral(std::string_view pool, TimestampMs from, TimestampMs to) const;

 private:
  // Sorted vectors, not maps: ticks come in time order (appended), and millions of them fit in a
  // quarter of a map's memory.
  std::unordered_map<std::string, Steps, StringKeyHash, std::equal_to<>> prices_;
  //! "<region>/<type>" -> (ts, price) of the latest tick that carried one.
  std::unordered_map<std::string, std::pair<TimestampMs, double>> on_demand_;
  std::shared_ptr<const OnDemandCatalog> catalog_ = OnDemandCatalog::builtin();
};

}  // namespace spotstream
