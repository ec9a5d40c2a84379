#include "operators/fleet_membership.hpp"

#include <algorithm>

namespace spotstream {

void FleetMembership::operator()(const FleetEvent& e, FleetState& state, const DecisionSink& emit) const {
  signals_.expire(state);
  forget_departed(state);
  if (e.action == FleetAction::Leave) {
    auto it = state.nodes.find(e.instance_id);
    if (it != state.nodes.end() && it->second.left_at == 0) {
      it->second.left_at = e.ts;
      state.departed.emplace_back(e.ts, e.instance_id);
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
  emit(build_decision(e, DecisionKind::Stay, e.ts,
                      "joined pool " + pool_of(e) + "; no AWS interruption signal for this instance", "none", "join"));
  auto parked = state.parked.find(e.instance_id);
  if (parked == state.parked.end()) return;
  auto signals = std::move(parked->second);
  state.parked.erase(parked);
  state.parked_count -= signals.size();
  std::stable_sort(signals.begin(), signals.end(), [](const Signal& a, const Signal& b) { return a.ts < b.ts; });
  for (const auto& s : signals) {
    metrics_.parked_signals_applied.inc();
    signals_.apply(s, it->second, emit);
  }
}

void FleetMembership::forget_departed(FleetState& state) const {
  while (!state.departed.empty() && state.departed.front().first < state.signals_watermark) {
    auto it = state.nodes.find(state.departed.front().second);
    if (it != state.nodes.end() && it->second.left_at != 0) state.nodes.erase(it);
    state.departed.pop_front();
  }
}

}  // namespace spotstream
