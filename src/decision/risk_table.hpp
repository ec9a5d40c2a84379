#pragma once
//! The replicated risk table (DESIGN.md "Partitioning"): every pool's latest crash probability, so
//! the decision shard can rank pools that other shards own. Thread-safe: written by feeders (each
//! shard's price path, on emission only; with issue 6 also a consumer of the compacted spot.risk
//! topic), read by the decision shard and the REST server.
//!
//! Event-time reads: each pool keeps the scores it received since the last `release_before`, so a
//! reader can ask for the table "as of" an event time T. Each feeder declares how far it is complete
//! (`Feeder::advance`: no record at or before that time will come from it any more); `complete_through`
//! is the minimum over feeders. A read as of T <= complete_through() therefore gives the same answer on
//! every run, whatever the thread timing.
#include <atomic>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "src/core/risk.hpp"

namespace spotstream {

//! One pool's score as the decision layers need it.
struct PoolRisk {
  std::string pool;  //!< "<az>/<instance_type>/<product>"
  std::string region, az, instance_type, product, family;
  TimestampMs ts = 0;  //!< event time of the score
  double crash_probability = 0.5;
  std::string model;   //!< model name and version that produced the score, "<name>@<version>"
  int band = -1;       //!< Spot Advisor interruption band, -1 unknown
  double spot_price = 0;
  double on_demand_price = kAbsent;
  //! Rebuilt by a warm start's replay before the pool's window was full: not decided on.
  bool warming = false;

  static PoolRisk from_record(const RiskRecord& r);
};

class RiskTable {
 public:
  static constexpr TimestampMs kLatest = std::numeric_limits<TimestampMs>::max();

  //! `instant_ms`: the decision grid; updates are reported by the grid instant at or after their time.
  explicit RiskTable(TimestampMs instant_ms = 300000);

  //! One source of scores. Cheap to copy; valid as long as the table.
  class Feeder {
   public:
    void update(const RiskRecord& r) const { table_->update(PoolRisk::from_record(r)); }
    void update(PoolRisk r) const { table_->update(std::move(r)); }
    //! No score stamped at or before `ts` will come from this feeder any more.
    void advance(TimestampMs ts) const;

   private:
    friend class RiskTable;
    Feeder(RiskTable* t, std::atomic<TimestampMs>* progress) : table_(t), progress_(progress) {}
    RiskTable* table_;
    std::atomic<TimestampMs>* progress_;
  };

  //! Registers a feeder (any time; thread-safe). Until it advances, it holds complete_through()
  //! at its minimum.
  Feeder add_feeder();

  //! The latest score of a pool (REST, and reads that need not be repeatable).
  std::optional<PoolRisk> latest(std::string_view pool) const;
  //! Every pool of `region` with its latest score at or before `t` (kLatest: the latest), in pool
  //! order. Pools with no score at or before `t` are left out.
  std::vector<PoolRisk> region_as_of(std::string_view region, TimestampMs t) const;
  //! Minimum over feeders of how far they are complete; Watermarks-style minimum when none advanced.
  TimestampMs complete_through() const;
  //! Grid instants (ascending, each once) at which some score changed, up to `through`; removes them.
  std::vector<TimestampMs> take_changed_instants(TimestampMs through);
  //! Forgets history no read as of `t` or later can need (keeps each pool's latest entry at or before t).
  void release_before(TimestampMs t);
  std::size_t pools() const;

 private:
  void update(PoolRisk r);

  struct Pool {
    //! Ascending ts. A deque: release_before drops entries from the front, which in a vector moved
    //! every later entry (a warm start's decision shard spent ~45% of the process's CPU doing that).
    std::deque<PoolRisk> history;
  };
  TimestampMs instant_ms_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, Pool> pools_;
  std::unordered_map<std::string, std::set<std::string>> by_region_;
  std::set<TimestampMs> changed_;
  std::vector<std::unique_ptr<std::atomic<TimestampMs>>> progress_;
};

}  // namespace spotstream
