#include "operators/decision/switch_policy.hpp"

#include <fmt/format.h>

namespace spotstream {

std::string describe(const Candidate& c) {
  return fmt::format("{} (p={:.2f}, ${:.4f}/h{}, yield {:.1f})", c.risk.pool, c.risk.crash_probability, c.tco,
                     c.units >= 2 ? fmt::format(" for a size holding {:g} such nodes", c.units) : std::string(), c.yield);
}

const Candidate* SwitchPolicy::best(const Ranking& r, const CapCheck& allowed) {
  for (const auto& c : r.ranked)
    if (!allowed || allowed(c)) return &c;
  return nullptr;
}

const char* SwitchPolicy::why_beats(const Candidate& a, const Candidate& b) const {
  const double gain = 100.0 * (b.risk.crash_probability - a.risk.crash_probability);
  const double saving = b.tco > 0 ? 1.0 - a.tco / b.tco : 0.0;
  return gain > s_.gain_points_with_saving && saving > s_.saving ? "gain_and_saving" : "gain";
}

bool SwitchPolicy::beats_in_force(const Candidate& a, const Candidate& current) const {
  const double saving = current.tco > 0 ? 1.0 - a.tco / current.tco : 0.0;
  return beats(a, current) || (a.risk.crash_probability <= current.risk.crash_probability && saving > s_.saving);
}

const char* SwitchPolicy::why_beats_in_force(const Candidate& a, const Candidate& current) const {
  return beats(a, current) ? why_beats(a, current) : "saving";
}

bool SwitchPolicy::beats(const Candidate& a, const Candidate& b) const {
  const double gain = 100.0 * (b.risk.crash_probability - a.risk.crash_probability);
  const double saving = b.tco > 0 ? 1.0 - a.tco / b.tco : 0.0;
  // Without a safety reason a move never raises what the node pays per hour.
  return (gain > s_.gain_points && a.tco <= b.tco) || (gain > s_.gain_points_with_saving && saving > s_.saving);
}

Verdict SwitchPolicy::operator()(const NodeNeeds& node, const Ranking& r, const ModelState& state, TimestampMs now,
                                 const CapCheck& allowed) const {
  Verdict v;
  v.kind = state.kind;
  v.target = state.target;
  if (!r.own) {
    v.reason = "no risk score yet for " + PoolId::text(node.az, node.instance_type, node.product);
    return v;
  }
  const Candidate& own = *r.own;
  v.crash_probability = own.risk.crash_probability;
  v.model = own.risk.model;
  v.current_price = own.tco;
  const Candidate* top = best(r, allowed);
  // The target of a SWITCH in force, if it is still a safe candidate.
  const Candidate* current = nullptr;
  if (state.kind == DecisionKind::Switch)
    for (const auto& c : r.ranked)
      if (c.risk.pool == state.target) current = &c;
  auto go = [&](const Candidate& c, std::string reason, const char* why) {
    v.kind = DecisionKind::Switch;
    v.target = c.risk.pool;
    v.yield = c.yield;
    v.reason = std::move(reason);
    v.why = why;
    v.target_price = c.tco;
    v.target_probability = c.risk.crash_probability;
    return v;
  };
  const std::string own_text = fmt::format("{} crash probability {:.2f}", own.risk.pool, own.risk.crash_probability);
  const std::string filtered = fmt::format("{} candidate(s) rejected: {} above the safety gate, {} hardware-incompatible, "
                                           "{} in Spot Advisor band above {}, {} larger size(s) dearer than the own pool, "
                                           "{} in cool-down after an interruption notice",
                                           r.gated + r.filter.incompatible + r.filter.band_rejected +
                                               r.filter.larger_not_cheaper + r.cooling,
                                           r.gated, r.filter.incompatible, r.filter.band_rejected, s_.max_band,
                                           r.filter.larger_not_cheaper, r.cooling);

  if (own.risk.crash_probability > s_.gate) {
    const std::string why = fmt::format("{} is above the safety gate {:.2f}", own_text, s_.gate);
    if (current && (current == top || !top || !beats_in_force(*top, *current)))
      return go(*current, why + "; keep switching to " + describe(*current), "gate");
    if (top) return go(*top, why + "; switch to the best safe pool " + describe(*top), "gate");
    v.kind = DecisionKind::Switch;
    v.target = kOnDemandTarget;
    v.yield = kAbsent;
    v.why = "gate";
    v.target_price = r.filter.own_on_demand_tco;
    v.reason = fmt::format("{}; no safe spot pool in {} ({}): move to on-demand {}", why, node.region, filtered,
                           node.instance_type);
    return v;
  }
  const bool dwelling = state.changed_at != std::numeric_limits<TimestampMs>::min() && now - state.changed_at < s_.min_dwell_ms;
  if (dwelling && (state.kind != DecisionKind::Switch || current || state.target == kOnDemandTarget)) {
    v.yield = current ? current->yield : state.kind == DecisionKind::Stay ? own.yield : kAbsent;
    v.reason = "unchanged within the minimum dwell time";
    return v;
  }
  // Hysteresis both ways: a SWITCH in force stands until its target stops being a safe candidate
  // or the own pool beats it by the same margins a switch needs, or is as safe and cheaper by the
  // saving margin (prices move: a target that was no dearer when chosen may be now).
  if (current && !beats_in_force(own, *current)) {
    if (top && top != current && beats_in_force(*top, *current))
      return go(*top, fmt::format("{}; {} now beats the previous target {}", own_text, describe(*top), current->risk.pool),
                why_beats_in_force(*top, *current));
    return go(*current, fmt::format("{}; keep switching to {}", own_text, describe(*current)), why_beats(*current, own));
  }
  if (!top || top->yield <= own.yield) {
    v.kind = DecisionKind::Stay;
    v.target.clear();
    v.yield = own.yield;
    v.reason = fmt::format("{} (yield {:.1f}) is the best ranked pool{}", own_text, own.yield,
                           top ? "; next best " + describe(*top) : std::string("; no other safe candidate"));
    return v;
  }
  if (beats(*top, own)) {
    const double gain = 100.0 * (own.risk.crash_probability - top->risk.crash_probability);
    return go(*top, fmt::format("{}; {} gains {:.1f} stability points at {:+.0f}% hourly cost", own_text,
                                describe(*top), gain, 100.0 * (top->tco / own.tco - 1.0)),
              why_beats(*top, own));
  }
  v.kind = DecisionKind::Stay;
  v.target.clear();
  v.yield = own.yield;
  v.reason = fmt::format("{}; best alternative {} gains only {:.1f} stability points at {:+.0f}% hourly cost "
                         "(hysteresis: more than {:g} at no higher cost, or more than {:g} with over {:g}% saving): stay",
                         own_text, describe(*top), 100.0 * (own.risk.crash_probability - top->risk.crash_probability),
                         100.0 * (top->tco / own.tco - 1.0), s_.gain_points, s_.gain_points_with_saving, 100 * s_.saving);
  return v;
}

}  // namespace spotstream
