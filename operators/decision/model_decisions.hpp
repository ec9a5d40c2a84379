#pragma once
//! Risk-driven decisions over the fleet (decision layers 2-4 for every node, and the replacement
//! pool named by signal decisions). Runs on the decision shard, which holds every node.
//!
//! Event time: nodes are evaluated at the instants of the decisions.instant_ms grid at which some
//! pool's score changed, each instant T against the risk table as of T, and only once the table is
//! complete through T (every feeder has passed it) and the fleet and signals inputs have progressed
//! past T (every join, leave and signal stamped at or before T has been processed; see
//! Watermarks::fleet_progress). A node is evaluated at T when it joined at or before T, had not left
//! and had no AWS signal at or before T. Nodes are taken in (fleet, node id) order, so the diversity
//! cap fills the same way on every run. Decisions carry ts = T: the same on every replay, whatever
//! the shard count, batch sizes or timing.
//! A signal's decision takes its replacement pool, crash probability, yield and prices from the
//! table as of the signal's time; it does not wait for the table to be complete through it (the
//! decision shard waits, boundedly, only while the prices lag the signals). And an
//! event older than its input's progress (a producer appending old events to a partition already
//! read to its end) is late: decisions already made do not change.
#include <memory>

#include "operators/decision/candidate_filter.hpp"
#include "operators/decision/consolidation_planner.hpp"
#include "operators/decision/decision_builder.hpp"
#include "operators/decision/pool_ranking.hpp"
#include "operators/decision/switch_policy.hpp"
#include "operators/decision/risk_table.hpp"

namespace spotstream {

//! A single-node evaluation: the decision, and the best replacement whatever the decision (what an
//! EVACUATE would name).
struct Evaluation {
  Verdict verdict;
  std::string replacement;  //!< best safe pool, or "on-demand"
  double replacement_yield = kAbsent;
  bool known = false;       //!< the table has a score for the node's own pool
};

class ModelDecisions {
 public:
  //! `scoring`: where the Spot Advisor data is (CandidateFilter); may be null.
  ModelDecisions(DecisionSettings s, std::shared_ptr<const ScoringContext> scoring, RiskTable& table)
      : s_(s), filter_(std::move(scoring), s), ranking_(s), policy_(s), planner_(s, filter_), table_(table) {}

  //! Restart: the risk-driven decisions already published (spot.decisions, any order) say which
  //! decision is in force for each node and how far decisions were made; instants up to there are
  //! not decided again, so a restarted process continues where the last one stopped. A process
  //! that was already deciding (it takes partitions over) keeps its own progress: the nodes it
  //! receives start from their last published decision and are caught up (advance) over the
  //! instants it decided in the last DecisionSettings::catch_up_ms. Call before advance().
  //! `skip_published`: a single process restarting (decisions.risk_source=local): instants up to
  //! the last published decision are not evaluated again. Without it (the table read from
  //! spot.risk holds every instant since the start), each restored node is evaluated again after
  //! its own last published decision, which repeats what its previous owner did and makes what
  //! it never delivered, whoever that owner was.
  static void restore(FleetState& state, const std::vector<Decision>& published, bool skip_published = true);
  //! Evaluates every changed instant up to `through` and the table's complete_through(). The
  //! caller's `through` says how far the fleet and signals inputs are known (their progress).
  //! The decision shard's thread only (it refills the pools it decides against in place).
  void advance(FleetState& state, TimestampMs through, const DecisionSink& emit);
  //! Adds the own pool's crash probability and, for an EVACUATE (or a sibling's SWITCH), the best
  //! replacement pool (or "on-demand") with its yield, from the scores as of the decision's time;
  //! never a pool in cool-down. `node`: the decision's node as it was when the signal was decided
  //! (null: not in the fleet; nothing is added): a decision that waited for its scores may go out
  //! after its node has left and been forgotten.
  void enrich_signal_decision(const FleetState& state, const FleetNode* node, Decision& d) const;
  //! One node's evaluation on the latest scores, with no fleet (no diversity cap) and no history:
  //! what the REST API answers.
  Evaluation evaluate(const NodeNeeds& n) const;
  //! Where a node that must leave pool `leaving` goes, on the scores as of `as_of`: the best safe
  //! pool other than `leaving` (the node's own pool among them, ranked as every candidate is), or
  //! "on-demand" when none is safe. What a backtest's simulated fleet does with a notice.
  //! With `notices`, pools in cool-down at `as_of` are not replacements.
  std::string replacement(const NodeNeeds& n, TimestampMs as_of, std::string_view leaving,
                          const PoolNotices* notices = nullptr) const;
  const CandidateFilter& filter() const { return filter_; }

 private:
  void evaluate_instant(FleetState& state, TimestampMs t, const DecisionSink& emit);
  //! Nodes whose join was replayed (restart, rebalance, failover) take their state from the
  //! restored decisions and are evaluated at the recent instants after their last published one;
  //! live joins behind decided instants are evaluated at those after their join.
  void catch_up(FleetState& state, const DecisionSink& emit);
  //! A region's pools as of `t`, for every node evaluated at that instant (instant_pools_).
  const PoolSet& pools_at(const std::string& region, TimestampMs t);
  Ranking rank(const NodeNeeds& n, const PoolSet& pools) const { return ranking_(filter_(n, pools)); }
  //! The ranking at event time `t` without the pools in cool-down (an interruption notice within
  //! DecisionSettings::target_cooldown_ms before `t`).
  Ranking rank_at(const NodeNeeds& n, const PoolSet& pools, const PoolNotices& notices, TimestampMs t) const;

  DecisionSettings s_;
  CandidateFilter filter_;
  PoolRanking ranking_;
  SwitchPolicy policy_;
  ConsolidationPlanner planner_;
  RiskTable& table_;
  //! A region's scores at the instant last decided, refilled in place at the next (an instant
  //! copies no pool's identity and labels no names again unless its region's pools changed), and
  //! the filter's set over them. The decision shard's thread only.
  struct RegionPools {
    std::vector<PoolRisk> scores;
    PoolSet set;
  };
  std::map<std::string, RegionPools, std::less<>> instant_pools_;
};

}  // namespace spotstream
