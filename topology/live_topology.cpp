#include "topology/live_topology.hpp"

#include <algorithm>

#include "operators/fleet_membership.hpp"
#include "operators/signal_reaction.hpp"
#include "src/codec/json_encoder.hpp"

namespace spotstream {

namespace {

class LiveShard : public ShardLogic {
 public:
  LiveShard(SignalReactionSettings s, RuntimeMetrics& metrics)
      : metrics_(metrics), signals_(s, metrics), fleet_(signals_, metrics) {}

  void on_event(const Event& event, const EventContext& ctx, OutputCollector& out) override {
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
    // Price ticks are accepted and counted by the source; pool windows consume them (issue 3).
  }

 private:
  RuntimeMetrics& metrics_;
  FleetState fleet_state_;
  SignalReaction signals_;
  FleetMembership fleet_;
};

}  // namespace

Pipeline::LogicFactory live_topology(const Config& cfg) {
  SignalReactionSettings s;
  s.park_ms = cfg.get_int("signals.park_ms");
  s.park_max = static_cast<std::size_t>(cfg.get_int("signals.park_max"));
  return [s](int, RuntimeMetrics& metrics) { return std::make_unique<LiveShard>(s, metrics); };
}

}  // namespace spotstream
