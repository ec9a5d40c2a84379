#include "operators/decision/sibling_reaction.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "src/core/time.hpp"

namespace spotstream {

SiblingSettings SiblingSettings::from(const Config& cfg) {
  SiblingSettings s;
  const auto& mode = cfg.get_string("decisions.sibling_reaction");
  if (mode == "drain") s.mode = Mode::Drain;
  else if (mode == "switch") s.mode = Mode::Switch;
  else if (mode == "none") s.mode = Mode::None;
  else throw ConfigError("decisions.sibling_reaction: '" + mode + "' is none of drain, switch, none");
  s.window_ms = cfg.get_int("decisions.sibling_window_ms");
  s.min_notices = static_cast<std::size_t>(cfg.get_int("decisions.sibling_min_notices"));
  s.on_rebalance = cfg.get_bool("decisions.sibling_on_rebalance");
  return s;
}

void SiblingReaction::trigger(const Signal& s, bool replay, const SignalPlace& place, const FleetNode& noticed,
                              FleetState& state) const {
  if (s_.mode == SiblingSettings::Mode::None) return;
  if (s.kind == SignalKind::Rebalance && !s_.on_rebalance) return;
  auto& due = state.sibling_due;
  const auto key = std::tie(s.ts, noticed.joined.instance_id);
  const auto at = std::upper_bound(due.begin(), due.end(), key, [](const auto& k, const FleetState::SiblingTrigger& t) {
    return k < std::tie(t.signal.ts, t.noticed.instance_id);
  });
  due.insert(at, FleetState::SiblingTrigger{s, noticed.joined, replay && !place.siblings_owed, place});
}

void SiblingReaction::release(FleetState& state, TimestampMs through, const DecisionSink& emit,
                              const Telling& telling) const {
  while (!state.sibling_due.empty() && state.sibling_due.front().signal.ts <= through) {
    const auto t = std::move(state.sibling_due.front());
    state.sibling_due.pop_front();
    if (telling) telling(t);
    tell(t, state, emit);
  }
}

void SiblingReaction::settle(FleetState& state, bool may_owe, const DecisionSink& emit, const Telling& telling) const {
  const auto owable = [&](const FleetState::SiblingTrigger& t) {
    if (!may_owe || t.replay || t.place.offset < 0) return false;
    const auto told = state.siblings_told_offset.find(t.place.partition);
    return told == state.siblings_told_offset.end() || told->second < t.place.offset;
  };
  // Telling one may raise its partition's told offset above a trigger left owed: look again.
  for (auto it = state.sibling_due.begin(); it != state.sibling_due.end();) {
    if (owable(*it)) {
      ++it;
      continue;
    }
    const auto t = std::move(*it);
    state.sibling_due.erase(it);
    if (telling) telling(t);
    tell(t, state, emit);
    it = state.sibling_due.begin();
  }
}

std::map<std::int32_t, std::int64_t> SiblingReaction::owed_from(const FleetState& state) {
  std::map<std::int32_t, std::int64_t> out;
  for (const auto& t : state.sibling_due) {
    if (t.replay || t.place.offset < 0) continue;
    const auto [it, inserted] = out.try_emplace(t.place.partition, t.place.offset);
    if (!inserted) it->second = std::min(it->second, t.place.offset);
  }
  return out;
}

void SiblingReaction::tell(const FleetState::SiblingTrigger& t, FleetState& state, const DecisionSink& emit) const {
  if (t.place.offset >= 0) {
    auto [told, inserted] = state.siblings_told_offset.try_emplace(t.place.partition, t.place.offset);
    if (!inserted) told->second = std::max(told->second, t.place.offset);
  }
  const Signal& s = t.signal;
  const FleetEvent& noticed = t.noticed;
  const std::string pool = pool_of(noticed);
  const auto seen = state.notices.instances(pool, s.kind, s.ts - s_.window_ms, s.ts);
  if (seen < s_.min_notices) return;
  std::vector<FleetNode*> siblings;
  for (auto& [id, n] : state.nodes) {
    if (id == noticed.instance_id || n.joined.fleet != noticed.fleet || pool_of(n.joined) != pool) continue;
    if (n.joined.ts > s.ts || (n.left_at != 0 && n.left_at <= s.ts)) continue;
    if (n.signal_at != 0 && n.signal_at <= s.ts) continue;  // told already
    siblings.push_back(&n);
  }
  std::sort(siblings.begin(), siblings.end(), [](const FleetNode* a, const FleetNode* b) {
    return std::tie(a->joined.node_id, a->joined.instance_id) < std::tie(b->joined.node_id, b->joined.instance_id);
  });
  const bool drain = s_.mode == SiblingSettings::Mode::Drain;
  const char* what = s.kind == SignalKind::Interruption ? "interruption notice" : "rebalance recommendation";
  const std::string label = signal_label(s);
  for (auto* n : siblings) {
    std::string reason = fmt::format(
        "AWS {} for instance {} (node {}) in this node's pool {} at {}: {} instance(s) of the pool within {} min; "
        "interruptions come in bursts: {} before this node's own notice",
        what, noticed.instance_id, noticed.node_id, pool, format_iso8601(s.ts), seen,
        s_.window_ms / 60000, drain ? "cordon and drain" : "move it");
    Decision d = build_decision(n->joined, drain ? DecisionKind::Drain : DecisionKind::Switch, s.ts, std::move(reason),
                                label, "sibling:" + signal_cause(s));
    d.why = "sibling";
    n->last = d.kind;
    n->signal_at = s.ts;
    // Delivered before a restart only if the notice and the sibling's join both were read then (a
    // run that stops tells the siblings of every notice it has read: DecisionShard::on_finish).
    emit(d, t.replay && n->joined_in_replay);
  }
}

}  // namespace spotstream
