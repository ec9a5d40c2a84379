#pragma once
//! What a topology gives the runtime: the logic of each shard, and which shard each event goes to.
//! The runtime knows neither: a price shard and a decision shard, and which keys live where, are
//! the topology's (topology/live_topology).
#include <cstddef>
#include <functional>
#include <memory>

#include "src/core/event.hpp"
#include "src/runtime/delivery_marks.hpp"
#include "src/runtime/runtime_metrics.hpp"
#include "src/runtime/shard_logic.hpp"

namespace spotstream {

struct ShardPlan {
  //! One ShardLogic (state objects and operators) per shard, made once per shard at start.
  using LogicFactory = std::function<std::unique_ptr<ShardLogic>(int shard, RuntimeMetrics& metrics)>;
  //! The shard of an event, in [0, shards): every event of a key must go to the same one; or
  //! kEveryShard: a copy to each shard (control events every shard needs). May fill in what the
  //! shard reuses (a tick's key hash). Called on the source thread.
  using Router = std::function<std::size_t(Event& e, std::size_t shards)>;
  static constexpr std::size_t kEveryShard = static_cast<std::size_t>(-1);

  LogicFactory logic;
  Router route;
  //! Makes the marks this process publishes of its delivery progress (may be empty: none).
  std::function<std::unique_ptr<DeliveryMarks>()> marks;
};

}  // namespace spotstream
