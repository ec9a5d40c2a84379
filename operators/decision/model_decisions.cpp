#include "operators/decision/model_decisions.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include <spdlog/spdlog.h>

namespace spotstream {

namespace {

//! Nodes of equal needs rank one region's pools alike at one instant: an instant ranks each needs
//! once for all its nodes (a fleet is mostly groups of one type in one AZ).
struct NeedsOrder {
  bool operator()(const NodeNeeds& a, const NodeNeeds& b) const {
    return std::tie(a.region, a.az, a.instance_type, a.product, a.family, a.vcpu, a.memory_gib, a.arch) <
           std::tie(b.region, b.az, b.instance_type, b.product, b.family, b.vcpu, b.memory_gib, b.arch);
  }
};
static_assert(sizeof(NodeNeeds) == 6 * sizeof(std::string) + 2 * sizeof(double), "a new need must be compared in NeedsOrder");
using InstantRankings = std::map<NodeNeeds, Ranking, NeedsOrder>;

std::string family_of_type(std::string_view type) { return std::string(type.substr(0, type.find('.'))); }

std::string family_of_pool(std::string_view pool) {
  const auto id = PoolId::parse(pool);
  return id ? std::string(id->family()) : std::string();
}

//! Where each node of each fleet is, or is being steered: the diversity cap's counts.
class Placements {
 public:
  explicit Placements(double cap) : cap_(cap) {}
  static std::string family(const FleetNode& n) {
    if (n.model.kind == DecisionKind::Switch && n.model.target != kOnDemandTarget) return family_of_pool(n.model.target);
    return family_of_type(n.joined.instance_type);
  }
  void add(const FleetNode& n, int delta) {
    counts_[n.joined.fleet][family(n)] += delta;
  }
  void add_member(const FleetNode& n) {
    ++size_[n.joined.fleet];
    add(n, 1);
  }
  //! Steering `n` into `to_family` keeps that family within the cap (at least one node allowed).
  bool allows(const FleetNode& n, const std::string& to_family) const { return allows({&n}, to_family); }
  //! The same for several nodes of one fleet at once.
  bool allows(const std::vector<const FleetNode*>& ns, const std::string& to_family) const {
    int moving = 0;
    for (const auto* n : ns) moving += family(*n) != to_family;
    if (moving == 0) return true;
    const auto& fleet_id = ns.front()->joined.fleet;
    const auto fleet = counts_.find(fleet_id);
    const int now = fleet == counts_.end() ? 0 : [&] {
      auto it = fleet->second.find(to_family);
      return it == fleet->second.end() ? 0 : it->second;
    }();
    const auto size = size_.find(fleet_id);
    const double limit = std::max(1.0, std::floor(cap_ * (size == size_.end() ? 1 : size->second) + 1e-9));
    return now + moving <= limit;
  }

 private:
  double cap_;
  std::map<std::string, std::map<std::string, int>> counts_;
  std::map<std::string, int> size_;
};

bool live_at(const FleetNode& n, TimestampMs t) {
  return n.joined.ts <= t && (n.left_at == 0 || n.left_at > t);
}

//! A node whose risk-driven decision changes at this instant.
struct Change {
  FleetNode* node;
  Verdict verdict;
  NodeNeeds needs;
  std::string plan;  //!< a consolidation plan's id, its node count and its instance's whole price
  int plan_nodes = 0;
  double plan_price = kAbsent;
};

//! Puts the instant's SWITCHes a consolidation plan takes onto its instance (when the diversity
//! cap lets all its nodes into the instance's family): target, plan fields, reason.
void consolidate(std::vector<Change>& changes, const std::map<std::string_view, const PoolSet*>& by_region,
                 Placements& placements, const ConsolidationPlanner& planner,
                 const ConsolidationPlanner::Cooling& cooling, TimestampMs t) {
  for (const auto& [region, pools] : by_region) {
    std::vector<PlanMember> members;
    std::vector<Change*> of_member;
    for (auto& c : changes) {
      const auto& v = c.verdict;
      if (c.node->joined.region != region || v.kind != DecisionKind::Switch || v.target == kOnDemandTarget) continue;
      members.push_back(PlanMember{&c.node->joined, c.needs, v.target_price, v.target_probability});
      of_member.push_back(&c);
    }
    for (const auto& p : planner(members, *pools, cooling, t)) {
      std::vector<const FleetNode*> nodes;
      for (const auto m : p.members) nodes.push_back(of_member[m]->node);
      if (!placements.allows(nodes, p.instance.risk->family)) continue;
      const std::string plan_reason = ConsolidationPlanner::describe(p, members[p.members.front()]);
      for (const auto m : p.members) {
        Change& c = *of_member[m];
        placements.add(*c.node, -1);
        c.node->model.target = p.instance.risk->pool;
        c.node->model.plan = p.id;
        placements.add(*c.node, 1);
        c.verdict.target = p.instance.risk->pool;
        c.verdict.target_price = p.instance.tco / static_cast<double>(p.members.size());
        c.verdict.yield = kAbsent;
        c.verdict.reason = plan_reason + "; " + c.verdict.reason;
        c.plan = p.id;
        c.plan_nodes = static_cast<int>(p.members.size());
        c.plan_price = p.instance.tco;
      }
    }
  }
}

}  // namespace

void ModelDecisions::catch_up(FleetState& state, const DecisionSink& emit) {
  state.restore_pending = false;
  TimestampMs behind = std::numeric_limits<TimestampMs>::max();
  std::size_t taken_over = 0;
  for (auto& [id, n] : state.nodes) {
    if (!n.restore_pending) continue;
    n.restore_pending = false;
    // Only a replayed join has a decision of its own on spot.decisions to continue from; a live one
    // starts from its join.
    if (auto r = state.restored.find(id); n.joined_in_replay && r != state.restored.end()) {
      n.model = r->second;
      n.decided_through = r->second.changed_at;
    }
    ++taken_over;
    behind = std::min(behind, n.decided_through);
  }
  // Evaluations of these nodes after their last published decision changed nothing where their
  // previous owner made them, and are still owed where it did not get to: either way, evaluating
  // them again at the instants this process has decided since gives what one process would have.
  std::size_t instants = 0;
  for (const TimestampMs t : state.recent_instants)
    if (t > behind) {
      evaluate_instant(state, t, emit);
      ++instants;
    }
  if (taken_over > 0 && instants > 0)
    spdlog::info("decisions: {} node(s) taken over or joined behind decided instants, re-evaluated at {} decided instant(s)",
                 taken_over, instants);
}

void ModelDecisions::advance(FleetState& state, TimestampMs through, const DecisionSink& emit) {
  if (state.restore_pending) catch_up(state, emit);
  const TimestampMs complete = std::min(through, table_.complete_through());
  if (complete == std::numeric_limits<TimestampMs>::min()) return;
  auto instants = table_.take_changed_instants(complete);
  // A score stamped before instants already decided (a tick appended to a partition that had been
  // read to its end) is late for decisions: they are not revisited.
  std::erase_if(instants, [&](TimestampMs t) {
    return state.decided_through != std::numeric_limits<TimestampMs>::max() && t <= state.decided_through;
  });
  for (const TimestampMs t : instants) evaluate_instant(state, t, emit);
  if (!instants.empty()) {
    state.decided_through = instants.back();
    auto& recent = state.recent_instants;
    recent.insert(recent.end(), instants.begin(), instants.end());
    while (!recent.empty() && recent.front() < instants.back() - s_.catch_up_ms) recent.pop_front();
    // Keep the table's history as far back as an instant may be evaluated again (catch_up).
    table_.release_before(recent.front());
  }
}

void ModelDecisions::restore(FleetState& state, const std::vector<Decision>& published, bool skip_published) {
  // With skip_published, instants up to the last published decision count as decided (a single
  // process restarting). Otherwise (and always for a process that has been deciding itself) each
  // node continues from its own last published decision, at the instants after it.
  const bool restart = skip_published && state.recent_instants.empty();
  state.restored.clear();
  for (const auto& d : published) {
    if (d.signal != "none" || d.model == kSignalRulesModel) continue;  // joins and signals are rebuilt by replay
    auto& m = state.restored[d.instance_id];
    if (m.changed_at != std::numeric_limits<TimestampMs>::min() && m.changed_at > d.ts) continue;
    m = ModelState{d.kind, d.kind == DecisionKind::Switch ? d.target : std::string(), d.ts, d.plan};
    if (restart && (state.decided_through == std::numeric_limits<TimestampMs>::min() || state.decided_through < d.ts))
      state.decided_through = d.ts;
  }
}

void ModelDecisions::evaluate_instant(FleetState& state, TimestampMs t, const DecisionSink& emit) {
  std::vector<FleetNode*> nodes;
  for (auto& [id, n] : state.nodes)
    if (live_at(n, t)) nodes.push_back(&n);
  std::sort(nodes.begin(), nodes.end(), [](const FleetNode* a, const FleetNode* b) {
    return std::tie(a->joined.fleet, a->joined.node_id, a->joined.instance_id) <
           std::tie(b->joined.fleet, b->joined.node_id, b->joined.instance_id);
  });
  Placements placements(s_.family_cap);
  for (const auto* n : nodes) placements.add_member(*n);
  std::map<std::string_view, const PoolSet*> by_region;  // this instant's: instant_pools_ holds earlier ones too
  const ConsolidationPlanner::Cooling cooling = [&](const std::string& pool) {
    return s_.target_cooldown_ms > 0 && state.notices.cooling(pool, t, s_.target_cooldown_ms);
  };
  std::vector<Change> changes;
  InstantRankings rankings;
  for (auto* n : nodes) {
    if (n->decided_through >= t) continue;  // evaluated there already (catch_up: most nodes)
    n->decided_through = t;
    if (n->signal_at != 0 && n->signal_at <= t) continue;  // signals rule from then on
    auto region = by_region.find(n->joined.region);
    if (region == by_region.end())
      region = by_region.emplace(n->joined.region, &pools_at(n->joined.region, t)).first;
    const PoolSet& pools = *region->second;
    if (!n->model.plan.empty() && planner_.holds(n->model, pools.pools, cooling)) continue;
    NodeNeeds needs = filter_.needs_of(n->joined);
    auto ranked = rankings.find(needs);
    if (ranked == rankings.end()) ranked = rankings.emplace(needs, rank_at(needs, pools, state.notices, t)).first;
    const Ranking& r = ranked->second;
    const SwitchPolicy::CapCheck allowed = [&](const Candidate& c) { return placements.allows(*n, c.risk->family); };
    Verdict v = policy_(needs, r, n->model, t, allowed, false);
    if (v.kind == n->model.kind && v.target == n->model.target) continue;
    v = policy_(needs, r, n->model, t, allowed);  // the same verdict, with its reason
    placements.add(*n, -1);
    n->model = ModelState{v.kind, v.target, t, {}};  // a plan, if any, is set by consolidate()
    placements.add(*n, 1);
    changes.push_back(Change{n, std::move(v), std::move(needs), {}, 0, kAbsent});
  }
  if (s_.consolidate) consolidate(changes, by_region, placements, planner_, cooling, t);
  for (const auto& c : changes) {
    const Verdict& v = c.verdict;
    Decision d = build_decision(c.node->joined, v.kind, t, v.reason, "none", "risk:" + v.target);
    d.target = v.target;
    d.crash_probability = v.crash_probability;
    d.yield = v.yield;
    d.model = v.model;
    if (v.kind == DecisionKind::Switch) {
      d.why = v.why;
      d.current_price_per_hour = v.current_price;
      d.target_price_per_hour = v.target_price;
    }
    if (!c.plan.empty()) {
      d.plan = c.plan;
      d.plan_nodes = c.plan_nodes;
      d.plan_price_per_hour = c.plan_price;
    }
    emit(d, false);
  }
}

const PoolSet& ModelDecisions::pools_at(const std::string& region, TimestampMs t) {
  auto& r = instant_pools_[region];
  const bool moved = table_.region_as_of(region, t, r.scores);
  if (moved || !filter_.references_unchanged(r.set.refs)) r.set = filter_.view_of(r.scores);
  return r.set;
}

void ModelDecisions::enrich_signal_decision(const FleetState& state, const FleetNode* joined, Decision& d) const {
  if (!joined) return;
  const FleetNode& node = *joined;
  const NodeNeeds needs = filter_.needs_of(node.joined);
  // The scores of the signal's time, not the latest: a catch-up reads the prices ahead of the
  // signals. A signal older than the history kept reads the oldest kept.
  const TimestampMs as_of = std::max(d.ts, table_.released_before());
  const PoolSet pools = filter_.pools_of(table_.region_as_of(needs.region, as_of));
  const Ranking r = rank_at(needs, pools, state.notices, d.ts);
  if (d.why.empty()) d.why = "signal";
  if (r.own) {
    d.crash_probability = r.own->risk->crash_probability;
    d.current_price_per_hour = r.own->tco;
    if (d.kind != DecisionKind::Evacuate) d.yield = r.own->yield;
  }
  if (d.kind != DecisionKind::Evacuate && d.kind != DecisionKind::Switch) return;
  Placements placements(s_.family_cap);
  for (const auto& [id, n] : state.nodes)
    if (n.left_at == 0) placements.add_member(n);
  const Candidate* best = SwitchPolicy::best(r, [&](const Candidate& c) { return placements.allows(node, c.risk->family); });
  if (best) {
    d.target = best->risk->pool;
    d.yield = best->yield;
    d.target_price_per_hour = best->tco;
    d.reason += "; replacement: " + describe(*best);
  } else {
    d.target = kOnDemandTarget;
    d.target_price_per_hour = r.filter.own_on_demand_tco;
    d.reason += "; no safe spot pool to replace it: launch on-demand " + node.joined.instance_type;
  }
}

Ranking ModelDecisions::rank_at(const NodeNeeds& n, const PoolSet& pools, const PoolNotices& notices, TimestampMs t) const {
  Ranking r = rank(n, pools);
  if (notices.empty() || s_.target_cooldown_ms <= 0) return r;
  r.cooling = static_cast<int>(std::erase_if(r.ranked, [&](const Candidate& c) {
    return notices.cooling(c.risk->pool, t, s_.target_cooldown_ms);
  }));
  return r;
}

Evaluation ModelDecisions::evaluate(const NodeNeeds& n) const {
  const PoolSet pools = filter_.pools_of(table_.region_as_of(n.region, RiskTable::kLatest));
  const Ranking r = rank(n, pools);
  Evaluation e;
  e.known = r.own.has_value();
  e.verdict = policy_(n, r, ModelState{}, r.own ? r.own->risk->ts : 0, nullptr);
  const Candidate* best = SwitchPolicy::best(r, nullptr);
  e.replacement = best ? best->risk->pool : std::string(kOnDemandTarget);
  if (best) e.replacement_yield = best->yield;
  return e;
}

std::string ModelDecisions::replacement(const NodeNeeds& n, TimestampMs as_of, std::string_view leaving,
                                        const PoolNotices* notices) const {
  const auto pools = filter_.pools_of(table_.region_as_of(n.region, as_of));
  const Ranking r = notices ? rank_at(n, pools, *notices, as_of) : rank(n, pools);
  const Candidate* best = SwitchPolicy::best(r, [&](const Candidate& c) { return c.risk->pool != leaving; });
  const bool own_safe = r.own && r.own->risk->pool != leaving && r.own->risk->crash_probability <= s_.gate &&
                        !(notices && notices->cooling(r.own->risk->pool, as_of, s_.target_cooldown_ms));
  if (own_safe && (!best || r.own->yield >= best->yield)) return r.own->risk->pool;
  return best ? best->risk->pool : std::string(kOnDemandTarget);
}

}  // namespace spotstream
