#include "operators/decision/switch_policy.hpp"

#include <fmt/format.h>

namespace spotstream {

std::string describe(const Candidate& c) {
  return fmt::format("{} (p={:.2f}, ${:.4f}/h{}, yield {:.1f})", c.risk->pool, c.risk->crash_probability, c.tco,
                     c.units >= 2 ? fmt::format(" for a size holding {:g} such nodes", c.units) : std::string(), c.yield);
}

const Candidate* SwitchPolicy::best(const Ranking& r, const CapCheck& allowed) {
  for (const auto& c : r.ranked)
    if (!allowed || allowed(c)) return &c;
  return nullptr;
}

const char* SwitchPolicy::why_beats(const Candidate& a, const Candidate& b) const {
  const double gain = 100.0 * (b.risk->crash_probability - a.risk->crash_probability);
  const double saving = b.tco > 0 ? 1.0 - a.tco / b.tco : 0.0;
  return gain > s_.gain_points_with_saving && saving > s_.saving ? "gain_and_saving" : "gain";
}

bool SwitchPolicy::beats_in_force(const Candidate& a, const Candidate& current) const {
  const double saving = current.tco > 0 ? 1.0 - a.tco / current.tco : 0.0;
  return beats(a, current) || (a.risk->crash_probability <= current.risk->crash_probability && saving > s_.saving);
}

const char* SwitchPolicy::why_beats_in_force(const Candidate& a, const Candidate& current) const {
  return beats(a, current) ? why_beats(a, current) : "saving";
}

bool SwitchPolicy::beats(const Candidate& a, const Candidate& b) const {
  const double gain = 100.0 * (b.risk->crash_probability - a.risk->crash_probability);
  const double saving = b.tco > 0 ? 1.0 - a.tco / b.tco : 0.0;
  // Without a safety reason a move never raises what the node pays per hour.
  return (gain > s_.gain_points && a.tco <= b.tco) || (gain > s_.gain_points_with_saving && saving > s_.saving);
}

//! Which rule of the policy decides, and the candidates it names.
struct SwitchPolicy::Choice {
  enum Rule { NoScore, GateKeep, GateBest, GateOnDemand, Dwell, Replace, Keep, StayBest, Switch, StayHysteresis };
  Rule rule = NoScore;
  const Candidate* top = nullptr;      //!< the best safe candidate the cap allows
  const Candidate* current = nullptr;  //!< the target of a SWITCH in force, if it is still a safe candidate
  const char* why = "";                //!< a SWITCH's Decision::why
};

SwitchPolicy::Choice SwitchPolicy::choose(const Ranking& r, const ModelState& state, TimestampMs now,
                                          const CapCheck& allowed) const {
  Choice c;
  if (!r.own) return c;
  const Candidate& own = *r.own;
  c.top = best(r, allowed);
  if (state.kind == DecisionKind::Switch)
    for (const auto& k : r.ranked)
      if (k.risk->pool == state.target) c.current = &k;
  const Candidate *top = c.top, *current = c.current;
  if (own.risk->crash_probability > s_.gate) {
    c.why = "gate";
    c.rule = current && (current == top || !top || !beats_in_force(*top, *current)) ? Choice::GateKeep
             : top                                                               ? Choice::GateBest
                                                                                 : Choice::GateOnDemand;
    return c;
  }
  const bool dwelling = state.changed_at != std::numeric_limits<TimestampMs>::min() && now - state.changed_at < s_.min_dwell_ms;
  if (dwelling && (state.kind != DecisionKind::Switch || current || state.target == kOnDemandTarget)) {
    c.rule = Choice::Dwell;
    return c;
  }
  // Hysteresis both ways: a SWITCH in force stands until its target stops being a safe candidate
  // or the own pool beats it by the same margins a switch needs, or is as safe and cheaper by the
  // saving margin (prices move: a target that was no dearer when chosen may be now).
  if (current && !beats_in_force(own, *current)) {
    const bool replaced = top && top != current && beats_in_force(*top, *current);
    c.rule = replaced ? Choice::Replace : Choice::Keep;
    c.why = replaced ? why_beats_in_force(*top, *current) : why_beats(*current, own);
    return c;
  }
  if (!top || top->yield <= own.yield) c.rule = Choice::StayBest;
  else if (beats(*top, own)) c.rule = Choice::Switch, c.why = why_beats(*top, own);
  else c.rule = Choice::StayHysteresis;
  return c;
}

Verdict SwitchPolicy::operator()(const NodeNeeds& node, const Ranking& r, const ModelState& state, TimestampMs now,
                                 const CapCheck& allowed, bool explained) const {
  const Choice c = choose(r, state, now, allowed);
  Verdict v;
  v.kind = state.kind;
  v.target = state.target;
  v.why = c.why;
  if (explained) v.reason = reason(c, node, r);
  if (c.rule == Choice::NoScore) return v;
  const Candidate& own = *r.own;
  v.crash_probability = own.risk->crash_probability;
  v.model = own.risk->model;
  v.current_price = own.tco;
  const auto go = [&](const Candidate& to) {
    v.kind = DecisionKind::Switch;
    v.target = to.risk->pool;
    v.yield = to.yield;
    v.target_price = to.tco;
    v.target_probability = to.risk->crash_probability;
  };
  switch (c.rule) {
    case Choice::GateKeep:
    case Choice::Keep: go(*c.current); break;
    case Choice::GateBest:
    case Choice::Replace:
    case Choice::Switch: go(*c.top); break;
    case Choice::GateOnDemand:
      v.kind = DecisionKind::Switch;
      v.target = kOnDemandTarget;
      v.yield = kAbsent;
      v.target_price = r.filter.own_on_demand_tco;
      break;
    case Choice::Dwell:
      v.yield = c.current ? c.current->yield : state.kind == DecisionKind::Stay ? own.yield : kAbsent;
      break;
    case Choice::StayBest:
    case Choice::StayHysteresis:
      v.kind = DecisionKind::Stay;
      v.target.clear();
      v.yield = own.yield;
      break;
    case Choice::NoScore: break;
  }
  return v;
}

std::string SwitchPolicy::reason(const Choice& c, const NodeNeeds& node, const Ranking& r) const {
  if (c.rule == Choice::NoScore) return "no risk score yet for " + PoolId::text(node.az, node.instance_type, node.product);
  if (c.rule == Choice::Dwell) return "unchanged within the minimum dwell time";
  const Candidate& own = *r.own;
  const Candidate *top = c.top, *current = c.current;
  const std::string own_text = fmt::format("{} crash probability {:.2f}", own.risk->pool, own.risk->crash_probability);
  const auto gate = [&] { return fmt::format("{} is above the safety gate {:.2f}", own_text, s_.gate); };
  const auto stability = [&] { return 100.0 * (own.risk->crash_probability - top->risk->crash_probability); };
  switch (c.rule) {
    case Choice::GateKeep: return gate() + "; keep switching to " + describe(*current);
    case Choice::GateBest: return gate() + "; switch to the best safe pool " + describe(*top);
    case Choice::GateOnDemand:
      return fmt::format("{}; no safe spot pool in {} ({} candidate(s) rejected: {} above the safety gate, {} "
                         "hardware-incompatible, {} in Spot Advisor band above {}, {} larger size(s) dearer than the "
                         "own pool, {} in cool-down after an interruption notice): move to on-demand {}",
                         gate(), node.region,
                         r.gated + r.filter.incompatible + r.filter.band_rejected + r.filter.larger_not_cheaper + r.cooling,
                         r.gated, r.filter.incompatible, r.filter.band_rejected, s_.max_band, r.filter.larger_not_cheaper,
                         r.cooling, node.instance_type);
    case Choice::Replace:
      return fmt::format("{}; {} now beats the previous target {}", own_text, describe(*top), current->risk->pool);
    case Choice::Keep: return fmt::format("{}; keep switching to {}", own_text, describe(*current));
    case Choice::StayBest:
      return fmt::format("{} (yield {:.1f}) is the best ranked pool{}", own_text, own.yield,
                         top ? "; next best " + describe(*top) : std::string("; no other safe candidate"));
    case Choice::Switch:
      return fmt::format("{}; {} gains {:.1f} stability points at {:+.0f}% hourly cost", own_text, describe(*top),
                         stability(), 100.0 * (top->tco / own.tco - 1.0));
    case Choice::StayHysteresis:
      return fmt::format("{}; best alternative {} gains only {:.1f} stability points at {:+.0f}% hourly cost "
                         "(hysteresis: more than {:g} at no higher cost, or more than {:g} with over {:g}% saving): stay",
                         own_text, describe(*top), stability(), 100.0 * (top->tco / own.tco - 1.0), s_.gain_points,
                         s_.gain_points_with_saving, 100 * s_.saving);
    default: return {};
  }
}

}  // namespace spotstream
