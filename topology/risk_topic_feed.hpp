#pragma once
//! The risk table's feeder across processes (decisions.risk_source=topic): a thread that follows
//! every partition of the spot.risk topic from its beginning (no group, no offsets: the table is
//! rebuilt from the log on every start, as Kafka Streams rebuilds a global table) and feeds each
//! record into the RiskTable.
//!
//! Completeness comes from the progress marks on the same topic (docs/scaling-and-delivery.md "Scaling out and warm
//! start"). A mark "price partition p complete through T" is produced, to every spot.risk
//! partition, only after the broker acknowledged every record of p stamped at or before T. Once the
//! consumer has read a mark in spot.risk partition r, it has therefore read every such record that
//! lives in r (a partition is read in order). Per price partition p, the table is complete through
//! min over r of (the highest mark of p read from r); overall it is complete through the minimum of
//! that over every partition of the price topic (a partition nobody has marked holds it at the
//! minimum). The feeder advances by that, so decisions at T wait until every process has published
//! what it owes for T, and are the same as a single process's. Except: a price partition that
//! nobody has marked and that holds no message (asked of the broker every second) does not hold
//! completeness back, as the prices' progress ignores a partition empty so far in one process; its
//! owner may own only empty partitions, and then marks nothing.
//! Owns its thread and its consumer; sync() and complete_through() may be called from any thread.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "src/config/config.hpp"
#include "operators/decision/risk_table.hpp"
#include "operators/decision/decision_metrics.hpp"

namespace spotstream {

class TopicFollower;

class RiskTopicFeed {
 public:
  //! Starts the thread. `release_history`: nobody decides in this process, so the feed itself
  //! forgets history the table's readers (REST: latest scores) cannot need.
  RiskTopicFeed(const Config& cfg, RiskTable& table, DecisionMetrics& metrics, bool release_history);
  ~RiskTopicFeed();

  //! Waits until everything on the topic when called has been read (true), or timeout_ms passed.
  bool sync(int timeout_ms);
  TimestampMs complete_through() const { return complete_.load(std::memory_order_acquire); }
  //! Waits until complete_through() >= target (true), or timeout_ms passed.
  bool await_complete(TimestampMs target, int timeout_ms) const;

 private:
  void loop();
  void on_message(std::int32_t partition, std::string_view key, std::string_view value);
  TimestampMs completeness() const;
  //! Asks the broker which unmarked price partitions are empty; true when that changed.
  bool check_empty(TopicFollower& follower);

  Config cfg_;
  std::string prices_topic_, risk_topic_;
  RiskTable& table_;
  RiskTable::Feeder feeder_;
  DecisionMetrics& metrics_;
  bool release_history_;
  std::atomic<TimestampMs> complete_;
  // feed-thread state
  std::int32_t risk_partitions_ = 0;
  //! [price partition][risk partition] -> highest mark read (kMin: none yet)
  std::vector<std::vector<TimestampMs>> marks_;
  //! [price partition] -> unmarked and empty on the broker when last asked
  std::vector<bool> empty_;
  bool marks_changed_ = false;
  // sync requests: the caller bumps requested_, the feed thread answers with served_
  std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t requested_ = 0, served_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace spotstream
