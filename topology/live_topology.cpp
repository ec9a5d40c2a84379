#include "topology/live_topology.hpp"

#include <algorithm>
#include <mutex>

#include "src/model/model_watcher.hpp"
#include "topology/decision_shard.hpp"
#include "topology/price_shard.hpp"
#include "topology/risk_marks.hpp"

namespace spotstream {

namespace {

// The live model and advisor of a process, and the thread that reloads them. Shared by the shards:
// the watcher starts with the first shard (when the runtime's metrics exist) and stops with the last.
struct LiveScoring {
  std::shared_ptr<ScoringContext> context;
  std::mutex mu;
  std::weak_ptr<ModelWatcher> watcher;

  std::shared_ptr<ModelWatcher> watch(const Config& cfg, ModelMetrics& metrics) {
    std::lock_guard lock(mu);
    auto w = watcher.lock();
    if (!w) watcher = w = std::make_shared<ModelWatcher>(cfg, context, metrics);
    return w;
  }
};

constexpr std::size_t kDecisionShard = 0;

}  // namespace

std::size_t route_by_key(Event& e, std::size_t shards) {
  if (auto* tick = std::get_if<PriceTick>(&e)) {
    // Kept: the shard finds the tick's family by it. The decoder fills it in (from its memory of
    // the pool, without hashing); ticks made otherwise come without.
    if (tick->key_hash == 0) tick->key_hash = tick->routing_hash();
    return tick->key_hash % shards;
  }
  // Fleet events and signals: the decision shard (shard 0) acts on them, every price shard places
  // the signals in its pools for their interruption pressure.
  return ShardPlan::kEveryShard;
}

namespace {

ShardPlan make_topology(const Config& cfg, std::shared_ptr<DecisionServices> services,
                        PricePath::RecordSink records = {}) {
  SignalReactionSettings s;
  s.park_ms = cfg.get_int("signals.park_ms");
  s.park_max = static_cast<std::size_t>(cfg.get_int("signals.park_max"));
  s.departed_max = static_cast<std::size_t>(cfg.get_int("signals.departed_max"));
  s.siblings = SiblingSettings::from(cfg);
  s.notices_kept_ms = std::max(s.siblings.window_ms, cfg.get_int("decisions.target_cooldown_ms")) +
                      cfg.get_int("decisions.catch_up_ms");
  // A bad model or advisor file stops the start with a clear error, before any thread starts.
  auto scoring = std::make_shared<LiveScoring>();
  // One scoring context per process: the decisions read the advisor the price shards score with.
  scoring->context = services ? services->scoring : load_scoring_context(cfg);
  PricePath::window_settings(cfg);  // refuse bad window settings before any thread starts
  if (const auto& source = cfg.get_string("decisions.risk_source"); source != "topic" && source != "local")
    throw ConfigError("decisions.risk_source: '" + source + "' is neither topic nor local");
  const bool local_table = cfg.get_string("decisions.risk_source") == "local";
  if (records && !local_table)
    throw ConfigError("risk records taken in process leave nothing on spot.risk: decisions.risk_source must be local");
  ShardPlan plan;
  plan.route = route_by_key;
  // decisions.risk_source=topic: every process marks how far its spot.risk records are delivered.
  if (!local_table) plan.marks = [cfg] { return std::make_unique<RiskMarks>(cfg); };
  plan.logic = [cfg, s, scoring, services, local_table, records](int shard,
                                                                 RuntimeMetrics& runtime) -> std::unique_ptr<ShardLogic> {
    auto& metrics = ProcessMetrics::of(runtime);
    auto prices = std::make_unique<PriceShard>(cfg, scoring->context, scoring->watch(cfg, metrics),
                                               services && local_table ? &services->table : nullptr, metrics, records);
    if (!services || static_cast<std::size_t>(shard) != kDecisionShard) return prices;
    return std::make_unique<DecisionShard>(cfg, s, std::move(prices), services, metrics);
  };
  return plan;
}

}  // namespace

ShardPlan live_topology(const Config& cfg, std::shared_ptr<DecisionServices> services) {
  return make_topology(cfg, std::move(services));
}

ShardPlan live_topology(const Config& cfg, std::shared_ptr<DecisionServices> services,
                        PricePath::RecordSink records) {
  return make_topology(cfg, std::move(services), std::move(records));
}

ShardPlan live_topology(const Config& cfg) {
  return live_topology(cfg, std::make_shared<DecisionServices>(cfg));
}

ShardPlan price_topology(const Config& cfg) { return make_topology(cfg, nullptr); }

}  // namespace spotstream
