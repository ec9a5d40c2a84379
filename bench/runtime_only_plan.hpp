#pragma once
// The live topology's routing with shards that do nothing with what they get (no windows, scores,
// outputs or risk table): what the source, the queues and Kafka cost on their own.
#include <memory>

#include "src/runtime/shard_plan.hpp"
#include "topology/live_topology.hpp"

namespace spotstream::bench {

struct NoLogic : ShardLogic {
  void on_event(const Event&, const EventContext&, OutputCollector&) override {}
};

inline ShardPlan runtime_only_plan(const Config& cfg) {
  return ShardPlan{[](int, RuntimeMetrics&) { return std::make_unique<NoLogic>(); }, live_topology(cfg).route, {}};
}

}  // namespace spotstream::bench
