#pragma once
//! Runs one policy over a backtest's world: the fleet placed at the start, then decisions, notices,
//! interruptions and the policy's periodic re-placement in event-time order, billed by FleetSim.
//!   at a notice's time:       every node running in its pool receives it; a reacting policy
//!                             evacuates (interruption) or drains (rebalance) to the replacement
//!   at its termination time:  every node still running there suffers the interruption
//!   at a followed decision:   SWITCH -> its target, STAY -> home (a SWITCH revoked)
#include <string>

#include "operators/backtest/backtest_policy.hpp"

namespace spotstream {

struct PolicyResult {
  std::string name, what;
  std::string unavailable;  //!< why the policy could not run (then `outcome` is empty)
  SimOutcome outcome;
  int decisions_followed = 0;  //!< moves made on a risk-driven decision
  //! Moves made on a risk-driven decision to a location with a higher hourly price than where the
  //! node ran, without a safety reason (its own pool above the safety gate).
  int costlier_without_safety = 0;
};

PolicyResult simulate(const BacktestWorld& w, const BacktestPolicy& policy);

}  // namespace spotstream
