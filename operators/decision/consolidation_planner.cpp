#include "operators/decision/consolidation_planner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "src/core/hash.hpp"

namespace spotstream {

namespace {

//! Nodes alike: one fleet, region, product, type and needs (so a larger size holds as many of each).
std::string group_key(const FleetEvent& n) {
  return fmt::format("{}|{}|{}|{}|{}|{}|{}", n.fleet, n.region, n.product, n.instance_type, n.vcpu, n.memory_gib, n.arch);
}

}  // namespace

std::vector<Plan> ConsolidationPlanner::operator()(const std::vector<PlanMember>& members, const PoolSet& pools,
                                                   const Cooling& cooling, TimestampMs t) const {
  std::map<std::string, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < members.size(); ++i)
    if (members[i].alone_price > 0 && !std::isnan(members[i].alone_probability))
      groups[group_key(*members[i].node)].push_back(i);
  std::vector<Plan> plans;
  for (const auto& [key, group] : groups) {
    if (group.size() < 2) continue;
    const FilterResult f = filter_.compatible(members[group.front()].needs, pools);
    std::vector<const Candidate*> larger;
    for (const auto& c : f.others)
      if (c.units >= 2 && c.risk->crash_probability <= s_.gate && !cooling(c.risk->pool)) larger.push_back(&c);
    for (std::size_t from = 0; group.size() - from >= 2;) {
      const Candidate* best = nullptr;
      std::size_t best_n = 0;
      double best_saving = 0, best_alone = 0;
      for (const auto* c : larger) {
        const std::size_t n = std::min(static_cast<std::size_t>(c->units), group.size() - from);
        if (n < 2) continue;
        double alone = 0, safest = 1;
        for (std::size_t k = from; k < from + n; ++k) {
          alone += members[group[k]].alone_price;
          safest = std::min(safest, members[group[k]].alone_probability);
        }
        const double saving = alone - c->tco;
        if (c->risk->crash_probability > safest || saving <= s_.saving * alone) continue;
        if (!best || saving > best_saving || (saving == best_saving && c->risk->pool < best->risk->pool))
          best = c, best_n = n, best_saving = saving, best_alone = alone;
      }
      if (!best) break;
      Plan p;
      p.instance = *best;
      p.alone_per_hour = best_alone;
      p.members.assign(group.begin() + static_cast<std::ptrdiff_t>(from),
                       group.begin() + static_cast<std::ptrdiff_t>(from + best_n));
      const FleetEvent& first = *members[p.members.front()].node;
      p.id = "plan-" + to_hex16(fnv1a64_fields({first.fleet, std::to_string(t), best->risk->pool, first.instance_id}));
      plans.push_back(std::move(p));
      from += best_n;
    }
  }
  std::sort(plans.begin(), plans.end(), [](const Plan& a, const Plan& b) { return a.members.front() < b.members.front(); });
  return plans;
}

bool ConsolidationPlanner::holds(const ModelState& state, std::span<const PoolRisk> pools,
                                 const Cooling& cooling) const {
  for (const auto& p : pools)
    if (p.pool == state.target) return !p.warming && !p.stale && p.crash_probability <= s_.gate && !cooling(p.pool);
  return false;
}

std::string ConsolidationPlanner::describe(const Plan& p, const PlanMember& first) {
  const auto& c = p.instance;
  return fmt::format("consolidation plan {}: {} nodes of fleet {} ({}) on one {} (p={:.2f}, ${:.4f}/h the whole "
                     "instance, which holds {:g} such nodes) instead of ${:.4f}/h on their own targets",
                     p.id, p.members.size(), first.node->fleet, first.node->instance_type, c.risk->pool,
                     c.risk->crash_probability, c.tco, c.units, p.alone_per_hour);
}

}  // namespace spotstream
