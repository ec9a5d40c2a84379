#pragma once
//! Consolidation plans (decisions.consolidate, off by default): nodes of one fleet, of one instance
//! type and the same needs, that SWITCH at the same instant may go together onto one larger
//! instance, when that instance's whole hourly price is below what their own targets cost one by one
//! by more than decisions.min_saving, and it is no riskier than any of those targets (and under the
//! safety gate, out of cool-down). EC2 bills the whole instance whatever it holds: a plan is judged
//! on it, never on a price per node. The plan's decisions share its id and are emitted together;
//! a plan stands while its pool stays a safe target (holds()). Stateless.
#include <functional>
#include <string>
#include <vector>

#include "operators/decision/candidate_filter.hpp"
#include "operators/decision/fleet_state.hpp"

namespace spotstream {

//! A node switching at this instant, with where it would go alone.
struct PlanMember {
  const FleetEvent* node;        //!< its join (fleet, type, needs)
  NodeNeeds needs;
  double alone_price = 0;        //!< its own target's whole hourly price
  double alone_probability = 0;  //!< its own target's crash probability
};

struct Plan {
  std::string id;
  Candidate instance;                //!< the larger pool (units: how many such nodes it holds)
  std::vector<std::size_t> members;  //!< indexes into the members given, ascending
  double alone_per_hour = 0;         //!< what the members' own targets cost together, USD/h
};

class ConsolidationPlanner {
 public:
  //! Some pool had an interruption notice recently (it is no target).
  using Cooling = std::function<bool(const std::string& pool)>;

  ConsolidationPlanner(DecisionSettings s, const CandidateFilter& filter) : s_(s), filter_(filter) {}

  //! The plans for `members` (in the decision order: fleet, node id) at instant `t` over the
  //! region's scores `pools`: within each group of nodes alike, the larger pool that saves most
  //! takes as many of the group, in order, as it holds; then the rest, until none saves.
  std::vector<Plan> operator()(const std::vector<PlanMember>& members, const PoolSet& pools, const Cooling& cooling,
                               TimestampMs t) const;
  //! A plan in force stands while its pool is scored, under the safety gate and not cooling.
  bool holds(const ModelState& state, std::span<const PoolRisk> pools, const Cooling& cooling) const;
  //! "consolidation plan <id>: ..." for the members' reasons.
  static std::string describe(const Plan& p, const PlanMember& first);

 private:
  DecisionSettings s_;
  const CandidateFilter& filter_;
};

}  // namespace spotstream
