#pragma once
//! How operators are wired in a shard for live runs and replays: the per-shard ShardLogic.
//!   PriceTick  -> PricePath (window, features, the live risk model) -> spot.risk, and the shared risk table
//!   FleetEvent -> FleetMembership -> decisions                      (decision shard only)
//!   Signal     -> SignalReaction  -> decisions, with a replacement  (decision shard only)
//!   progress   -> risk table feeder advanced; on the decision shard, ModelDecisions -> decisions
#include <memory>

#include "src/config/config.hpp"
#include "src/runtime/pipeline.hpp"
#include "topology/decision_services.hpp"

namespace spotstream {

//! A factory for Pipeline: one ShardLogic (state objects + operators) per shard, all sharing
//! `services` (the REST API may hold it too).
Pipeline::LogicFactory live_topology(const Config& cfg, std::shared_ptr<DecisionServices> services);
//! The same with services of its own.
Pipeline::LogicFactory live_topology(const Config& cfg);
//! The price path alone (spot.risk), the same shards without the decision services: fleet events
//! and signals are ignored and no risk table is kept (what `risk` replays).
Pipeline::LogicFactory price_topology(const Config& cfg);

}  // namespace spotstream
