#pragma once
//! A backtest: a past range replayed in process through the live topology (the same shards and
//! operators as a live run) with a simulated fleet joined at the start, then that fleet acting on
//! the decisions, and on the same market, fleet and interruptions each baseline policy, billed as
//! EC2 bills (operators/backtest).
//!   prices, the market's signals and fleet -> notices by pool (a signal's instance -> its pool)
//!   prices + simulated joins + each notice for the node of its pool it reaches -> replay(live_topology)
//!   spot.risk records + decisions -> BacktestWorld -> simulate(policy) for every policy
//! What the engine is not told: where the simulated fleet moved. Its nodes stay at their home pool
//! in the engine's view, which is what SWITCH / STAY are relative to, and only notices in their
//! home pool reach it as signals (each notice one node: notice_target); a notice in a pool a node
//! moved to reaches the simulated node (which reacts as the engine would, to the engine's
//! replacement) but not the engine.
#include <atomic>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "operators/backtest/simulate.hpp"
#include "src/config/config.hpp"
#include "topology/process_metrics.hpp"
#include "topology/replay.hpp"

namespace spotstream {

//! A backtest that cannot run as asked (no prices in the range, no pool for the fleet).
struct BacktestError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

//! The inputs of one backtest, as the topics would hold them.
struct BacktestInputs {
  std::vector<PriceTick> ticks;   //!< by time
  std::vector<Signal> signals;    //!< interruption notices and rebalance recommendations, any order
  std::vector<FleetEvent> fleet;  //!< the market's own fleet: which pool each signal's instance ran in
};

//! The market's signals as notices by pool: a signal's instance is placed by the fleet input (its
//! latest join at or before the signal); one notice per pool and termination time (rebalance: per
//! notice time), however many of the market's instances got it. Only signals in [start, end);
//! `unplaced` counts those whose instance no join places.
std::vector<PoolNotice> pool_notices(std::vector<Signal> signals, std::vector<FleetEvent> fleet, TimestampMs start,
                                     TimestampMs end, std::uint64_t& unplaced);

struct SimFleetOptions {
  int nodes = 10;
  std::string instance_type;  //!< empty: the type with the most pools
  std::string region;         //!< empty: the region with the most pools of that type
  std::string product;        //!< empty: the product of most of its pools
  double vcpu = 0, memory_gib = 0;  //!< requirements; 0: what the type offers
  //! Home pools, assigned round-robin; empty: that type's pools in the region, cheapest at the
  //! start first.
  std::vector<std::string> pools;
};

struct BacktestOptions {
  SimFleetOptions fleet;
  SimSettings sim;
  TimestampMs from = std::numeric_limits<TimestampMs>::min();  //!< min: the first tick + warmup_ms
  TimestampMs to = std::numeric_limits<TimestampMs>::max();    //!< max: the last tick
  TimestampMs warmup_ms = 24 * 3'600'000;
};

struct BacktestResult {
  std::unique_ptr<BacktestWorld> world;
  std::vector<PolicyResult> policies;  //!< spotstream first
  ReplayResult replay;
  std::uint64_t ticks = 0;             //!< price ticks before the period's end (replayed)
  std::uint64_t ticks_at_end = 0;      //!< at or after the end: they bill no time, not replayed
  std::uint64_t signals = 0;           //!< signals in the input
  std::uint64_t unplaced_signals = 0;  //!< for instances the fleet input never placed in a pool
  std::uint64_t engine_signals = 0;    //!< signals the engine got for the simulated fleet
  int passes = 0;                      //!< replays run (each after relaunches the last one caused)
  std::uint64_t relaunches = 0;        //!< instances the orchestrator relaunched after signal decisions
  std::uint64_t risk_records = 0;
  std::uint64_t dead_letters = 0;
};

//! Throws BacktestError (nothing to run), ConfigError (bad configuration) or what the replay threw.
//! `reached`, when given, follows how far in event time the replay's outputs have come (progress).
BacktestResult run_backtest(const Config& cfg, BacktestInputs inputs, const BacktestOptions& options,
                            ProcessMetrics& metrics, const std::atomic<bool>& stop,
                            std::atomic<TimestampMs>* reached = nullptr);

}  // namespace spotstream
