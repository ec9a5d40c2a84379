#pragma once
//! Per-shard state of the price path: every pool's window and last published risk, and the family
//! stress of each (AZ, family). Owned by one shard thread; all sizes of a family in an AZ route to
//! the same shard (key <az>/<family>), so family stress never needs another shard's state.
#include <string>
#include <unordered_map>

#include "operators/family_stress.hpp"
#include "operators/feature_builder.hpp"
#include "operators/pool_window_state.hpp"
#include "operators/risk_emission.hpp"

namespace spotstream {

struct PoolState {
  PoolWindowState window;
  LastEmission emitted;
  PoolStatics statics;
};

struct PriceState {
  std::unordered_map<std::string, PoolState> pools;  //!< by pool id "<az>/<type>/<product>"
  FamilyStressState family;
  std::string scratch;  //!< reused to build pool ids without allocating per tick
};

}  // namespace spotstream
