#pragma once
//! The replicated risk table (docs/design.md "Partitioning"): every pool's latest crash probability, so
//! the decision shard can rank pools that other shards own. Thread-safe: written by feeders (each
//! shard's price path, on emission only; or the reader of spot.risk, topology/risk_topic_feed),
//! read by the decision shard and the REST server.
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

#include "src/core/hash.hpp"
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
  //! Its feed stalled (RiskRecord::stale): its price is not known now; not decided on.
  bool stale = false;
};

class RiskTable {
 public:
  static constexpr TimestampMs kLatest = std::numeric_limits<TimestampMs>::max();

  //! `instant_ms`: the decision grid; updates are reported by the grid instant at or after their time.
  explicit RiskTable(TimestampMs instant_ms = 300000);

  //! One source of scores. Cheap to copy; valid as long as the table.
  class Feeder {
   public:
    //! The record's score; its pool's identity is copied only the first time the pool is seen.
    void update(const RiskRecord& r) const { table_->update(r); }
    void update(const PoolRisk& r) const { table_->update(r); }
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
  //! The same into `out`, reusing its elements: a pool already at its place keeps its identity
  //! strings and takes only its score. True whenever the pools or their places differ from what
  //! `out` held, or its elements were moved (views of them are then no longer valid); false when
  //! only their scores changed.
  bool region_as_of(std::string_view region, TimestampMs t, std::vector<PoolRisk>& out) const;
  //! Minimum over feeders of how far they are complete; Watermarks-style minimum when none advanced.
  TimestampMs complete_through() const;
  //! Feeders registered: none, and nothing will ever be scored.
  std::size_t feeders() const;
  //! The latest release_before(): reads as of an earlier time may miss pools (their older entries
  //! are gone).
  TimestampMs released_before() const;
  //! Grid instants (ascending, each once) at which some score changed, up to `through`; removes them.
  std::vector<TimestampMs> take_changed_instants(TimestampMs through);
  //! Forgets history no read as of `t` or later can need (keeps each pool's latest entry at or before t).
  //! O(1) here: each pool drops what is older at its next update, and a few pools per call are
  //! swept, so pools that stopped ticking are trimmed too (visiting every pool per call dominated
  //! a warm start's decision shard at 10,000 pools).
  void release_before(TimestampMs t);
  std::size_t pools() const;
  //! Scores held over every pool's history (what release_before bounds).
  std::size_t history_entries() const;

 private:
  static constexpr std::size_t kSweepPerRelease = 64;
  //! One score in a pool's history: what changes from record to record, nothing of the pool's
  //! identity (kept once per pool), so an update copies no string and a history entry is small.
  struct Entry {
    TimestampMs ts = 0;
    double crash_probability = 0.5;
    double spot_price = 0;
    double on_demand_price = kAbsent;
    std::uint32_t model = 0;  //!< index into models_
    int band = -1;
    bool warming = false;
    bool stale = false;
  };
  struct Pool {
    PoolRisk identity;  //!< pool, region, az, instance_type, product, family (score fields unused)
    //! Ascending ts. A deque: release drops entries from the front, which in a vector moved every
    //! later entry (a warm start's decision shard spent ~45% of the process's CPU doing that).
    std::deque<Entry> history;
  };
  //! Under the write lock: the pool (created with `identity` if new) and the instant marked changed.
  Pool& pool_for(const std::string& id, TimestampMs ts, const PoolRisk* identity, const RiskRecord* record);
  //! Under the write lock: the index of model "<name>@<version>" (interned).
  std::uint32_t model_index(std::string_view name, std::string_view version);
  void insert(Pool& p, const Entry& e);
  void trim(Pool& p) const;
  PoolRisk read(const Pool& p, const Entry& e) const;
  void read_score(const Entry& e, PoolRisk& r) const;
  //! The pool's latest entry at or before t; null when none.
  static const Entry* as_of(const Pool& p, TimestampMs t);
  void update(const RiskRecord& r);
  void update(const PoolRisk& r);

  TimestampMs instant_ms_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, Pool> pools_;
  std::vector<Pool*> sweep_order_;  //!< every pool once (nodes of pools_ do not move)
  std::size_t sweep_next_ = 0;
  TimestampMs released_before_ = std::numeric_limits<TimestampMs>::min();
  //! Region -> its pools (entries of pools_, whose nodes do not move), in the order of their ids.
  std::unordered_map<std::string, std::vector<const std::pair<const std::string, Pool>*>, StringKeyHash, std::equal_to<>>
      by_region_;
  std::set<TimestampMs> changed_;
  TimestampMs last_changed_ = std::numeric_limits<TimestampMs>::min();  //!< in changed_ (skips the set)
  std::vector<std::string> models_;  //!< "<name>@<version>", by index
  std::string last_model_name_, last_model_version_;
  std::uint32_t last_model_ = 0;
  std::vector<std::unique_ptr<std::atomic<TimestampMs>>> progress_;
};

}  // namespace spotstream
