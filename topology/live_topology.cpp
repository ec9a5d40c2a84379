#include "topology/live_topology.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "operators/fleet_membership.hpp"
#include "operators/signal_reaction.hpp"
#include "src/codec/json_encoder.hpp"
#include "topology/price_path.hpp"

namespace spotstream {

namespace {

class LiveShard : public ShardLogic {
 public:
  LiveShard(const Config& cfg, SignalReactionSettings s, std::shared_ptr<const SpotAdvisor> advisor,
            RuntimeMetrics& metrics)
      : metrics_(metrics), prices_topic_(cfg.get_string("topics.prices")), signals_(s, metrics), fleet_(signals_, metrics), prices_(cfg, std::move(advisor), metrics) {}

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
};

}  // namespace

Pipeline::LogicFactory live_topology(const Config& cfg) {
  SignalReactionSettings s;
  s.park_ms = cfg.get_int("signals.park_ms");
  s.park_max = static_cast<std::size_t>(cfg.get_int("signals.park_max"));
  s.departed_max = static_cast<std::size_t>(cfg.get_int("signals.departed_max"));
  std::shared_ptr<const SpotAdvisor> advisor;
  if (const auto& path = cfg.get_string("risk.spot_advisor_file"); !path.empty()) {
    advisor = std::make_shared<const SpotAdvisor>(SpotAdvisor::load_file(path));
    spdlog::info("Spot Advisor: {} entries from {}", advisor->size(), path);
  }
  PricePath::window_settings(cfg);  // refuse bad window settings before any thread starts
  return [cfg, s, advisor](int, RuntimeMetrics& metrics) { return std::make_unique<LiveShard>(cfg, s, advisor, metrics); };
}

}  // namespace spotstream
