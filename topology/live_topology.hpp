#pragma once
//! How operators are wired in a shard for live runs and replays: the per-shard ShardLogic.
//!   FleetEvent -> FleetMembership -> decisions
//!   Signal     -> SignalReaction  -> decisions
//!   PriceTick  -> PricePath (window, features, the live risk model) -> spot.risk
#include <memory>

#include "src/config/config.hpp"
#include "src/runtime/pipeline.hpp"

namespace spotstream {

//! A factory for Pipeline: one ShardLogic (state objects + operators) per shard.
Pipeline::LogicFactory live_topology(const Config& cfg);

}  // namespace spotstream
