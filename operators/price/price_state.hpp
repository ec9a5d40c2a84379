#pragma once
//! Per-shard state of the price path: every pool's window, statics and last published risk, and
//! the family stress of each (AZ, family). Owned by one shard thread; all sizes of a family in an
//! AZ route to the same shard (key <az>/<family>), so family stress never needs another shard's
//! state.
#include <memory>
#include <string>
#include <vector>

#include "operators/price/family_stress.hpp"
#include "operators/price/feature_builder.hpp"
#include "operators/price/pool_pressure.hpp"
#include "operators/price/pool_window_state.hpp"
#include "operators/price/risk_emission.hpp"
#include "src/model/scoring_context.hpp"

namespace spotstream {

struct PoolState {
  PoolWindowState window;
  LastEmission emitted;
  PoolStatics statics;
  //! The last record published for the pool, as published (republished stale when its feed stalls).
  std::string last_published;
  //! When its feed was found stalled (its stale record's time); 0: not stale.
  TimestampMs stale_at = 0;
};

struct PriceState {
  //! The (az, family) groups; each member's slot indexes `pools`.
  FamilyStressState family;
  //! By slot; one allocation per pool, so that a new pool never moves the others and a slot is
  //! one indexed load away (a std::deque of states this large costs a node computation per tick).
  std::vector<std::unique_ptr<PoolState>> pools;
  //! Counts the pools created: a PoolRef found before a pool was added may point at a moved group
  //! or a shifted member, so it is used only while this is unchanged.
  std::uint64_t shape = 0;
  ScoringCache scoring;  //!< this shard's view of the live model and Spot Advisor data
  //! The shard's interruption pressure (one for all its partitions: signals are not keyed by
  //! family); null: none (every count zero).
  const PoolPressure* pressure = nullptr;
};

}  // namespace spotstream
