#pragma once
//! What a simulated fleet does, for spotstream's decisions and for each baseline it is measured
//! against (same period, fleet, prices and interruptions: BacktestWorld). A policy only says where
//! a node goes; simulate() moves and bills the fleet (FleetSim) the same way for every policy.
//! Stateless: the state is the simulation's.
#include <memory>
#include <string>
#include <vector>

#include "operators/backtest/backtest_world.hpp"

namespace spotstream {

class BacktestPolicy {
 public:
  virtual ~BacktestPolicy() = default;
  virtual std::string name() const = 0;
  //! One sentence for the report: what the policy does.
  virtual std::string what() const = 0;
  //! Why the policy cannot run on this world (empty: it can).
  virtual std::string unavailable(const BacktestWorld&) const { return {}; }
  //! Where node `i` starts (a pool id or kOnDemandLocation).
  virtual std::string start(std::size_t i, const BacktestWorld& w) const = 0;
  //! Answers notices: EVACUATE on an interruption notice, DRAIN on a rebalance recommendation,
  //! to the engine's replacement (BacktestWorld::replacement).
  virtual bool reacts() const { return false; }
  //! Moves as the replay's risk-driven decisions say (SWITCH to their target, STAY back home).
  virtual bool follows_decisions() const { return false; }
  //! How often place() is asked where each node should be (0: never).
  virtual TimestampMs period_ms() const { return 0; }
  virtual std::string place(std::size_t, TimestampMs, const BacktestWorld&, const std::string& current) const {
    return current;
  }
  //! Where node `i` is relaunched after EC2 took its instance in `lost` back at `t`.
  virtual std::string restart(std::size_t, TimestampMs, const std::string& lost, const BacktestWorld&) const {
    return lost;
  }
};

//! spotstream's decisions, then every baseline, in the order the report lists them.
std::vector<std::unique_ptr<BacktestPolicy>> backtest_policies();

//! The cheapest pool that could host node `i` at `t`, whole instance (empty when none is priced).
std::string cheapest_pool(std::size_t i, TimestampMs t, const BacktestWorld& w);

}  // namespace spotstream
