#include "operators/decision/fleet_membership.hpp"

#include <algorithm>
#include <limits>

namespace spotstream {

void FleetMembership::operator()(const FleetEvent& e, bool replay, FleetState& state, const DecisionSink& emit) const {
  signals_.expire(state);
  forget_departed(state);
  if (e.action == FleetAction::Leave) {
    auto it = state.nodes.find(e.instance_id);
    if (it != state.nodes.end() && it->second.left_at == 0) {
      it->second.left_at = e.ts;
      state.departed.emplace_back(e.ts, e.instance_id);
      state.clear_due.push_back(FleetState::Departure{e.ts, e.instance_id, it->second.joined.node_id, replay});
    }
    return;
  }
  auto [it, inserted] = state.nodes.try_emplace(e.instance_id);
  if (!inserted) {
    it->second.joined = e;  // requirements may have changed; the decision has not
    return;
  }
  it->second.joined = e;
  it->second.last = DecisionKind::Stay;
  it->second.joined_in_replay = replay;
  // A replayed join takes its node's state from spot.decisions and is caught up. So is a live join
  // behind instants this process has already decided: a fleet partition newly assigned and read
  // from its start (its previous owner committed nothing), or a join appended late.
  const bool behind = state.decided_through != std::numeric_limits<TimestampMs>::max() &&
                      state.decided_through != std::numeric_limits<TimestampMs>::min() && e.ts <= state.decided_through;
  if (replay || behind) it->second.restore_pending = state.restore_pending = true;
  if (!replay && behind) metrics_.joins_caught_up.inc();
  emit(build_decision(e, DecisionKind::Stay, e.ts,
                      "joined pool " + pool_of(e) + "; no AWS interruption signal for this instance", "none", "join"),
       replay);
  auto parked = state.parked.find(e.instance_id);
  if (parked == state.parked.end()) return;
  auto signals = std::move(parked->second);
  state.parked.erase(parked);
  state.parked_count -= signals.size();
  std::stable_sort(signals.begin(), signals.end(),
                   [](const FleetState::Parked& a, const FleetState::Parked& b) { return a.signal.ts < b.signal.ts; });
  for (const auto& p : signals) {
    // Delivered before a restart only if the notice and the join were both read then: a live
    // notice parked while its join is replayed, or a replayed notice whose join only comes now,
    // was never delivered and must be.
    if (!p.replay) metrics_.parked_signals_applied.inc();
    signals_.react(p.signal, p.replay && replay, p.place, it->second, state, emit);
  }
}

void FleetMembership::forget_departed(FleetState& state) const {
  while (!state.departed.empty()) {
    const auto [left, instance] = state.departed.front();
    auto it = state.nodes.find(instance);
    // A node taken over (or joined behind decided instants) and not caught up yet is owed its
    // evaluations at the instants before its leave: it stays until catch_up has made them.
    const bool owed = it != state.nodes.end() && it->second.restore_pending;
    // A sibling reaction still due at or before its leave must find it too.
    const bool told = state.sibling_due.empty() || left < state.sibling_due.front().signal.ts;
    const bool done = left < state.signals_watermark && left < state.decided_through && !owed && told;
    if (!done && state.departed.size() <= signals_.settings().departed_max) break;
    if (it != state.nodes.end() && it->second.left_at != 0) state.nodes.erase(it);
    state.departed.pop_front();
  }
}

}  // namespace spotstream
