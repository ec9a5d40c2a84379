#pragma once
//! The price path's counters. Written by the price shards.
#include <nlohmann/json_fwd.hpp>

#include "src/core/counter.hpp"

namespace spotstream {

struct PriceMetrics {
  Counter duplicate_ticks;  //!< same pool, time and price as a tick already held
  Counter risk_records;     //!< spot.risk records emitted
  Gauge pools;              //!< pools the process keeps a window for (limits.max_pools)

  void to_json(nlohmann::json& j) const;
};

}  // namespace spotstream
