#pragma once
//! How the shards are wired for live runs and replays: price shards (PriceShard), one of them the
//! decision shard (DecisionShard, shard 0) where every node lives; ticks routed by the hash of
//! their key (<az>/<family>), fleet events and signals to the decision shard.
//!   PriceTick  -> PricePath (window, features, the live risk model) -> spot.risk, and the shared risk table
//!   FleetEvent -> FleetMembership -> decisions                      (decision shard)
//!   Signal     -> SignalReaction  -> decisions, with a replacement  (decision shard)
//!   progress   -> risk table feeder advanced; on the decision shard, ModelDecisions -> decisions
#include <memory>

#include "src/config/config.hpp"
#include "src/runtime/pipeline.hpp"
#include "topology/decision_services.hpp"
#include "topology/price_path.hpp"
#include "topology/process_metrics.hpp"

namespace spotstream {

//! The live router: ticks by the hash of their key (every size of a family in an AZ on one shard:
//! family stress), fleet events and signals to every shard: the decision shard (0), where every
//! node lives, acts on them; the price shards place the signals in their pools (pressure).
std::size_t route_by_key(Event& e, std::size_t shards);

//! The plan for Pipeline: one ShardLogic (state objects + operators) per shard, all sharing
//! `services` (the REST API may hold it too), and the routing.
ShardPlan live_topology(const Config& cfg, std::shared_ptr<DecisionServices> services);
//! The same with services of its own.
ShardPlan live_topology(const Config& cfg);
//! For a replay in process that takes the scores straight from the price shards (a backtest): each
//! risk record goes to `records`, called on the price shards' threads (concurrently), and none to
//! spot.risk. Needs decisions.risk_source=local.
ShardPlan live_topology(const Config& cfg, std::shared_ptr<DecisionServices> services, PricePath::RecordSink records);
//! The price path alone (spot.risk): price shards only, no decision services: fleet events and
//! signals are ignored and no risk table is kept (what `risk` replays).
ShardPlan price_topology(const Config& cfg);

}  // namespace spotstream
