#pragma once
//! Everything a backtest's policies see, fixed before any of them runs: the period, the simulated
//! fleet, the prices (PriceLedger), the scores the replay published on spot.risk (a risk table with
//! their whole history, read as of any time), the interruption notices by pool, and the decisions
//! the replay made for the fleet. Built by topology/backtest from one replay; read-only afterwards,
//! so every policy is judged against the same market, fleet and interruptions.
#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "operators/backtest/fleet_sim.hpp"
#include "operators/backtest/price_ledger.hpp"
#include "operators/decision/model_decisions.hpp"
#include "operators/decision/risk_table.hpp"

namespace spotstream {

//! An AWS signal the market's instance `instance` in `pool` got at `ts`. EC2 reclaims capacity one
//! instance at a time: the notice stands for one instance of the pool, so in a simulated fleet it
//! reaches one node running there (notice_target), not all of them.
struct PoolNotice {
  TimestampMs ts = 0;
  TimestampMs termination = 0;  //!< interruption notices: when EC2 takes the instance back
  std::string pool;
  SignalKind kind = SignalKind::Interruption;
  InstanceAction action = InstanceAction::Terminate;
  std::string instance;  //!< the market's instance that got it

  //! When EC2 takes the instance back (AWS gives about two minutes when the signal does not say).
  TimestampMs ends() const { return termination > 0 ? termination : ts + 120'000; }
};

//! Which of the simulated nodes a notice reaches: of those `eligible` (running in its pool, not
//! already losing their instance), the one a hash of (notice, node) ranks first. Every policy and
//! the engine's view use the same rule, so a notice reaches the same node wherever that node is
//! still in the pool. Nullopt when none is eligible.
std::optional<std::size_t> notice_target(const PoolNotice& n, const std::vector<SimNode>& nodes,
                                         const std::function<bool(std::size_t)>& eligible);

class BacktestWorld {
 public:
  BacktestWorld(DecisionSettings settings, std::shared_ptr<const ScoringContext> scoring);
  BacktestWorld(const BacktestWorld&) = delete;
  BacktestWorld& operator=(const BacktestWorld&) = delete;

  TimestampMs start = 0, end = 0;  //!< the period billed: nodes join at start
  SimSettings sim;
  DecisionSettings settings;
  PriceLedger ledger;
  std::vector<SimNode> nodes;
  std::vector<PoolNotice> notices;   //!< by time
  std::vector<Decision> decisions;   //!< the replay's, in event-time order

  //! A published score, small: the model's quality is measured on every one of them.
  struct Scored {
    std::uint32_t pool = 0;  //!< index into the pools scored
    TimestampMs ts = 0;
    double crash_probability = 0;
  };
  //! A risk record the replay made (any order; from any thread, concurrently).
  void score(const RiskRecord& r);
  //! Once every record is in: the scores in the order the records are published in, by (time,
  //! pool), whatever order the shards' threads scored them in, so every run reads them alike.
  void order_scores();
  const std::vector<Scored>& scored() const { return scored_; }
  const std::string& scored_pool(const Scored& s) const { return scored_pools_[s.pool]; }
  const RiskTable& scores() const { return scores_; }
  //! True when some score carries a Spot Advisor band.
  bool bands_known() const { return bands_known_; }

  //! The engine names a signal decision's replacement, and the own pool's probability, from the
  //! latest scores when it processes the signal: in a replay that depends on how far the other
  //! shards had got. Here they are settled as of the signal's time (the replacement the simulated
  //! fleet takes), so decisions, like the report, are the same on every run.
  void settle_signal_decisions();

  //! The node of every instance id the engine knows (relaunches included).
  std::unordered_map<std::string, std::size_t> node_of_instance() const;
  //! The orchestrator's answer to the decisions' signal decisions (settled): each node's newest
  //! instance with an EVACUATE, DRAIN or sibling SWITCH is relaunched at its target (else the
  //! engine's replacement) as a new instance the engine must see join. Returns how many were added.
  std::size_t relaunch_after_signals();

  NodeNeeds needs(std::size_t node) const;
  //! The engine's replacement for node `node` leaving `pool` at `t` (ModelDecisions::replacement).
  std::string replacement(std::size_t node, TimestampMs t, std::string_view pool) const;
  //! The pools that could host the node at `t` (the engine's static filter over the scores as of
  //! t, its home pool included), by name, with their latest scores.
  std::vector<PoolRisk> compatible(std::size_t node, TimestampMs t) const;

 private:
  RiskTable scores_;
  RiskTable::Feeder feeder_;
  ModelDecisions engine_;
  bool bands_known_ = false;
  //! compatible() by (needs, time): the nodes of a fleet share their needs, and a policy asks for
  //! every node at the same times.
  mutable std::map<std::pair<std::string, TimestampMs>, std::vector<PoolRisk>> compatible_memo_;
  mutable std::optional<PoolNotices> noticed_;  //!< `notices` by pool, for the target cool-down
  std::mutex scoring_;  //!< guards what score() adds to: the scores and pools below, bands_known_
  std::vector<Scored> scored_;
  std::vector<std::string> scored_pools_;
  std::unordered_map<std::string, std::uint32_t> scored_index_;
};

}  // namespace spotstream
