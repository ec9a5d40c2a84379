#include "topology/live_topology.hpp"

#include <algorithm>
#include <mutex>

#include <spdlog/spdlog.h>

#include "operators/fleet_membership.hpp"
#include "operators/signal_reaction.hpp"
#include "src/codec/json_encoder.hpp"
#include "src/model/model_watcher.hpp"
#include "topology/price_path.hpp"

namespace spotstream {

namespace {

// The live model and advisor of a process, and the thread that reloads them. Shared by the shards:
// the watcher starts with the first shard (when the runtime's metrics exist) and stops with the last.
struct LiveScoring {
  std::shared_ptr<ScoringContext> context;
  std::mutex mu;
  std::weak_ptr<ModelWatcher> watcher;

  std::shared_ptr<ModelWatcher> watch(const Config& cfg, RuntimeMetrics& metrics) {
    std::lock_guard lock(mu);
    auto w = watcher.lock();
    if (!w) watcher = w = std::make_shared<ModelWatcher>(cfg, context, metrics);
    return w;
  }
};

class LiveShard : public ShardLogic {
 public:
  LiveShard(const Config& cfg, SignalReactionSettings s, std::shared_ptr<const ScoringContext> scoring,
            std::shared_ptr<ModelWatcher> watcher, RuntimeMetrics& metrics)
      : metrics_(metrics),
        prices_topic_(cfg.get_string("topics.prices")),
        signals_(s, metrics),
        fleet_(signals_, metrics),
        prices_(cfg, nullptr, metrics, std::move(scoring)),
        watcher_(std::move(watcher)) {}

  void on_event(const Event& event, const EventContext& ctx, OutputCollector& out) override {
    if (const auto* t = std::get_if<PriceTick>(&event)) {
      prices_(*t, ctx, price_state(ctx.partition), out);
      return;
    }
    fleet_state_.fleet_watermark = std::max(fleet_state_.fleet_watermark, ctx.wm.fleet);
    fleet_state_.signals_watermark = std::max(fleet_state_.signals_watermark, ctx.wm.signals);
    const DecisionSink emit = [&](const Decision& d, bool replay) {
      if (replay) return;  // delivered before the restart
      metrics_.count_decision(d.kind);
      out.emit(OutputTopic::Decisions, d.node_id, encode_decision(d), d.ts);
    };
    if (const auto* s = std::get_if<Signal>(&event)) {
      signals_(*s, ctx.replay, fleet_state_, emit);
    } else if (const auto* f = std::get_if<FleetEvent>(&event)) {
      fleet_(*f, ctx.replay, fleet_state_, emit);
    }
  }

  void on_revoked(const std::vector<PartitionKey>& parts) override {
    for (const auto& [topic, partition] : parts)
      if (topic == prices_topic_ && partition >= 0 && static_cast<std::size_t>(partition) < price_states_.size())
        price_states_[static_cast<std::size_t>(partition)].reset();
  }

 private:
  // Price state per input partition: a family's sizes share a partition (key <az>/<family>), and
  // a revoked partition's pools are dropped whole.
  PriceState& price_state(std::int32_t partition) {
    const auto i = static_cast<std::size_t>(std::max(partition, 0));
    if (i >= price_states_.size()) price_states_.resize(i + 1);
    if (!price_states_[i]) price_states_[i] = std::make_unique<PriceState>();
    return *price_states_[i];
  }

  RuntimeMetrics& metrics_;
  std::string prices_topic_;
  FleetState fleet_state_;
  SignalReaction signals_;
  FleetMembership fleet_;
  std::vector<std::unique_ptr<PriceState>> price_states_;
  PricePath prices_;
  std::shared_ptr<ModelWatcher> watcher_;  // shared by the shards: reloads stop with the last one
};

}  // namespace

Pipeline::LogicFactory live_topology(const Config& cfg) {
  SignalReactionSettings s;
  s.park_ms = cfg.get_int("signals.park_ms");
  s.park_max = static_cast<std::size_t>(cfg.get_int("signals.park_max"));
  s.departed_max = static_cast<std::size_t>(cfg.get_int("signals.departed_max"));
  // A bad model or advisor file stops the start with a clear error, before any thread starts.
  auto scoring = std::make_shared<LiveScoring>();
  scoring->context = load_scoring_context(cfg);
  PricePath::window_settings(cfg);  // refuse bad window settings before any thread starts
  return [cfg, s, scoring](int, RuntimeMetrics& metrics) {
    return std::make_unique<LiveShard>(cfg, s, scoring->context, scoring->watch(cfg, metrics), metrics);
  };
}

}  // namespace spotstream
