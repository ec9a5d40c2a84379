#include "operators/decision/signal_reaction.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>

#include "src/core/time.hpp"

namespace spotstream {

void SignalReaction::apply(const Signal& s, bool replay, FleetNode& node, const DecisionSink& emit) const {
  const auto& n = node.joined;
  std::string reason;
  DecisionKind kind;
  if (s.kind == SignalKind::Interruption) {
    kind = DecisionKind::Evacuate;
    const char* verb = s.action == InstanceAction::Stop ? "stopped"
                       : s.action == InstanceAction::Hibernate ? "hibernated" : "terminated";
    reason = "AWS interruption notice: instance " + n.instance_id + " will be " + verb +
             (s.action_time ? " at " + format_iso8601(s.action_time) : std::string(" in about 2 minutes")) +
             "; evacuate workloads now";
  } else if (node.last == DecisionKind::Evacuate) {
    // A rebalance recommendation never relaxes an interruption notice already in force
    // (EventBridge delivers the two in either order).
    kind = DecisionKind::Evacuate;
    reason = "AWS rebalance recommendation for " + n.instance_id + "; the interruption notice already received still stands: evacuate";
  } else {
    kind = DecisionKind::Drain;
    reason = "AWS rebalance recommendation: instance " + n.instance_id +
             " is at elevated risk of interruption; cordon and drain before a notice arrives";
  }
  Decision d = build_decision(n, kind, s.ts, std::move(reason), signal_label(s), signal_cause(s));
  d.action_time = s.action_time;
  node.last = kind;
  if (node.signal_at == 0 || s.ts < node.signal_at) node.signal_at = s.ts;
  emit(d, replay);
}

void SignalReaction::react(const Signal& s, bool replay, const SignalPlace& place, FleetNode& node,
                           FleetState& state, const DecisionSink& emit) const {
  apply(s, replay, node, emit);
  state.notices.record(pool_of(node.joined), s.kind, s.ts, node.joined.instance_id);
  siblings_.trigger(s, replay, place, node, state);
}

void SignalReaction::operator()(const Signal& s, bool replay, FleetState& state, const DecisionSink& emit) const {
  expire(state);
  auto it = state.nodes.find(s.instance_id);
  if (it != state.nodes.end() && (it->second.left_at == 0 || s.ts <= it->second.left_at)) {
    react(s, replay && it->second.joined_in_replay, state.event_place, it->second, state, emit);
    return;
  }
  if (replay) {  // counted and logged the first time it was read
    if (it == state.nodes.end()) park(s, replay, state);
    return;
  }
  metrics_.unknown_instance_signals.inc();
  if (it != state.nodes.end()) {
    spdlog::info("{} for instance {} arrived after its node {} left the fleet: recorded, no decision", signal_label(s),
                 s.instance_id, it->second.joined.node_id);
    return;
  }
  const auto n = metrics_.unknown_instance_signals.get();
  if (n <= 20 || n % 1000 == 0)
    spdlog::info("{} for instance {} that is not in the fleet (yet): parked for {} s of event time (#{})",
                 signal_label(s), s.instance_id, settings_.park_ms / 1000, n);
  park(s, replay, state);
}

void SignalReaction::park(const Signal& s, bool replay, FleetState& state) const {
  if (state.parked_count >= settings_.park_max) {
    metrics_.parked_signals_overflow.inc();
    spdlog::warn("parked-signal table full ({}): {} for {} recorded but not kept", settings_.park_max, signal_label(s),
                 s.instance_id);
    return;
  }
  state.parked[s.instance_id].push_back(FleetState::Parked{s, replay, state.event_place});
  state.parked_order.emplace_back(s.ts, s.instance_id);
  ++state.parked_count;
}

// Signals are read ahead of the instants decided (the prices lag) and of the sibling reactions
// still due: keep every notice those may still count, whatever order the inputs are read in.
void SignalReaction::forget_notices(FleetState& state) const {
  constexpr TimestampMs kMin = std::numeric_limits<TimestampMs>::min(), kMax = std::numeric_limits<TimestampMs>::max();
  TimestampMs horizon = state.signals_watermark;
  if (horizon == kMin || horizon == kMax || state.decided_through == kMin) return;
  if (state.decided_through != kMax) horizon = std::min(horizon, state.decided_through);
  if (!state.sibling_due.empty()) horizon = std::min(horizon, state.sibling_due.front().signal.ts);
  state.notices.forget_before(horizon - settings_.notices_kept_ms);
}

std::size_t SignalReaction::drop_parked(FleetState& state, const std::set<std::int32_t>& partitions) const {
  std::size_t dropped = 0;
  for (auto it = state.parked.begin(); it != state.parked.end();) {
    dropped += std::erase_if(it->second, [&](const FleetState::Parked& p) { return partitions.contains(p.place.partition); });
    it = it->second.empty() ? state.parked.erase(it) : std::next(it);
  }
  if (dropped == 0) return 0;
  state.parked_count -= dropped;
  std::erase_if(state.parked_order, [&](const auto& o) {
    const auto it = state.parked.find(o.second);
    return it == state.parked.end() ||
           std::none_of(it->second.begin(), it->second.end(), [&](const auto& p) { return p.signal.ts == o.first; });
  });
  return dropped;
}

void SignalReaction::expire(FleetState& state) const {
  forget_notices(state);
  while (!state.parked_order.empty() && state.parked_order.front().first + settings_.park_ms < state.fleet_watermark) {
    const auto [ts, instance] = state.parked_order.front();
    state.parked_order.pop_front();
    auto it = state.parked.find(instance);
    if (it == state.parked.end()) continue;  // already applied on join
    auto& list = it->second;
    for (auto s = list.begin(); s != list.end();) {
      if (s->signal.ts == ts) {
        if (!s->replay) {
          metrics_.parked_signals_expired.inc();
          spdlog::warn("{} for instance {} expired: the instance never joined the fleet", signal_label(s->signal), instance);
        }
        s = list.erase(s);
        --state.parked_count;
        break;
      }
      ++s;
    }
    if (list.empty()) state.parked.erase(it);
  }
}

}  // namespace spotstream
