#pragma once
//! The price partitions found stalled (WatermarkTracker::stalled), as the source thread last saw
//! them: published by it when the set changes, read by the price shards (to mark the partitions'
//! pools stale), the readiness check and the metrics. Any thread (a mutex: changes are rare).
#include <cstdint>
#include <mutex>
#include <vector>

#include "src/core/event.hpp"

namespace spotstream {

class StalledFeeds {
 public:
  struct Feed {
    PartitionKey partition;
    TimestampMs latest = 0;     //!< its latest event time
    TimestampMs marked_at = 0;  //!< when its pools became stale (latest + feeds.stale_after_ms)
    TimestampMs behind_ms = 0;  //!< how far behind the most advanced price partition it was when found
  };
  struct Snapshot {
    std::uint32_t generation = 0;  //!< Watermarks::stalled_generation of this set
    std::vector<Feed> feeds;
  };

  void publish(Snapshot s) {
    std::lock_guard lock(mu_);
    current_ = std::move(s);
  }
  Snapshot snapshot() const {
    std::lock_guard lock(mu_);
    return current_;
  }

 private:
  mutable std::mutex mu_;
  Snapshot current_;
};

}  // namespace spotstream
