#pragma once
//! A simulated fleet, billed as EC2 bills it: each node runs on one instance at a time (a spot pool
//! or on-demand), and every instance it ever ran is billed whole, per second, from launch to
//! termination (PriceLedger). A planned move (SWITCH, DRAIN) launches the new instance at once and
//! terminates the old one a migration time later, so both are billed meanwhile; an evacuation after
//! an interruption notice does the same but the old one ends at the notice's termination time at
//! the latest (the rest of the migration is downtime); an interruption suffered terminates the
//! instance at once and the node is down for a while before its replacement serves (the
//! replacement is billed from its launch).
//! Owned by one thread; it knows nothing of why a node moves (the policies decide, simulate() drives).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "operators/backtest/price_ledger.hpp"
#include "src/core/event.hpp"

namespace spotstream {

//! A node's location when it runs on-demand (the node's own instance type, in its region).
inline constexpr std::string_view kOnDemandLocation = "on-demand";

struct SimSettings {
  TimestampMs migration_ms = 5 * 60'000;  //!< a planned move: both instances run (and bill) this long
  TimestampMs downtime_ms = 10 * 60'000;  //!< an interruption suffered: the node serves nothing this long
  double restart_cost_usd = 0;            //!< and costs this much (lost work), per interruption suffered
};

//! One node of the simulated fleet: its requirements and its home pool (where it joined), and the
//! instances the orchestrator relaunched it on after signal decisions (in the engine's view).
struct SimNode {
  FleetEvent join;   //!< node id, instance id, region, AZ, type, product, needs
  std::string home;  //!< "<az>/<type>/<product>"
  //! After a signal decision (EVACUATE, DRAIN, a sibling's SWITCH) the orchestrator replaces the
  //! node's instance: from `at` (once the replacement serves), a new instance (`join`) in `pool`,
  //! its home from then on.
  struct Relaunch {
    TimestampMs at = 0;
    std::string pool;
    FleetEvent join;
  };
  std::vector<Relaunch> relaunches;  //!< by time

  //! The home pool at `t`: where the engine sees the node's instance of then.
  const std::string& home_at(TimestampMs t) const {
    const Relaunch* r = relaunch_at(t);
    return r ? r->pool : home;
  }
  //! The join of the node's instance at `t` (its own, or the relaunch in force).
  const FleetEvent& join_at(TimestampMs t) const {
    const Relaunch* r = relaunch_at(t);
    return r ? r->join : join;
  }
  //! The latest relaunch at or before `t`; null: none.
  const Relaunch* relaunch_at(TimestampMs t) const {
    for (auto it = relaunches.rbegin(); it != relaunches.rend(); ++it)
      if (it->at <= t) return &*it;
    return nullptr;
  }
  //! The node's newest instance id.
  const std::string& instance() const { return relaunches.empty() ? join.instance_id : relaunches.back().join.instance_id; }
};

//! What one policy's fleet cost and suffered over the period.
struct SimOutcome {
  double instance_usd = 0;   //!< every instance run, billed whole
  double restart_usd = 0;    //!< restart cost of the interruptions suffered
  double total_usd() const { return instance_usd + restart_usd; }
  double overlap_usd = 0;    //!< part of instance_usd: the old instance's time during migrations
  double unpriced_hours = 0;  //!< instance time no price was known for (not in instance_usd)
  int migrations = 0;        //!< planned moves (SWITCH, DRAIN, periodic re-placement)
  int evacuations = 0;       //!< moves after an interruption notice
  //! Evacuations the termination cut short: the migration needed longer than the notice gave, and
  //! the node served nothing from the termination until the migration was done (downtime).
  int evacuations_cut_short = 0;
  int notices = 0;           //!< interruption notices that reached one of the fleet's instances
  int rebalances = 0;        //!< rebalance recommendations that reached one of them
  int suffered = 0;          //!< interruptions suffered (instance terminated under the node)
  double downtime_hours = 0;
  std::vector<TimestampMs> lead_ms;             //!< notice -> termination, per notice received
  std::map<std::string, double> node_hours;     //!< by location (pool or "on-demand")
  //! (time, cumulative USD of instance time and restarts up to it), hourly, for the charts.
  std::vector<std::pair<TimestampMs, double>> cumulative;
  //! Instances running at each hour of `cumulative`, by location (both during a migration).
  std::map<std::string, std::vector<int>> occupancy;
};

class FleetSim {
 public:
  FleetSim(const PriceLedger& ledger, SimSettings settings, const std::vector<SimNode>& nodes, TimestampMs start);

  std::size_t size() const { return nodes_.size(); }
  const SimNode& node(std::size_t i) const { return nodes_[i]; }
  //! Where node i runs (its newest instance), pool id or kOnDemandLocation.
  const std::string& location(std::size_t i) const { return runs_[i].back().location; }
  //! The hourly price of one instance at `location` for node i at `t` (on-demand: of its own type);
  //! nullopt when unknown.
  std::optional<double> hourly(std::size_t i, std::string_view location, TimestampMs t) const;

  //! Launches the node's first instance (before any other call for it).
  void place(std::size_t i, const std::string& location, TimestampMs t);
  //! A planned move: the new instance from t, the old one until t + migration time. With `plan`
  //! (a consolidation plan of `plan_nodes` nodes), the nodes of the plan that move to `to` share one
  //! instance there: it is billed once, from the first launch to the last node leaving it.
  void move(std::size_t i, const std::string& to, TimestampMs t, const std::string& plan = {}, int plan_nodes = 0);
  //! A move after an interruption notice: the old instance runs until the migration is done or
  //! `termination`, whichever comes first.
  void evacuate(std::size_t i, const std::string& to, TimestampMs t, TimestampMs termination);
  //! Counts a notice (or rebalance recommendation) that reached node i, with its lead time.
  void noticed(SignalKind kind, TimestampMs ts, TimestampMs termination);
  //! True when node i's newest instance runs in `pool` at `t`.
  bool runs_in(std::size_t i, std::string_view pool, TimestampMs t) const;
  //! EC2 terminates node i's instance at `t` under it: down for the downtime, restarted at `restart`.
  void interrupt(std::size_t i, const std::string& restart, TimestampMs t);

  //! Terminates every instance at `end` and bills the fleet.
  SimOutcome finish(TimestampMs end);

 private:
  struct Run {
    Run(std::string at, TimestampMs since, std::string shared_plan = {}, double of_instance = 1)
        : location(std::move(at)), from(since), plan(std::move(shared_plan)), share(of_instance) {}
    std::string location;
    TimestampMs from = 0;
    TimestampMs to = -1;  //!< -1: still running
    std::string plan;     //!< the consolidation plan whose shared instance this is; empty: its own
    double share = 1;     //!< of the instance, for the migration overlap (1 / the plan's nodes)
    bool billed = true;   //!< false: another node's run bills the shared instance
  };
  //! One billed run per shared instance, spanning every node's time on it.
  void share_plan_instances();
  double bill(std::size_t i, const Run& r, TimestampMs to, double& unpriced_hours) const;
  void cumulate(SimOutcome& out, TimestampMs start, TimestampMs end) const;

  const PriceLedger& ledger_;
  SimSettings s_;
  std::vector<SimNode> nodes_;
  std::vector<std::vector<Run>> runs_;
  TimestampMs start_;
  std::vector<TimestampMs> interrupted_at_;
  SimOutcome out_;
};

}  // namespace spotstream
