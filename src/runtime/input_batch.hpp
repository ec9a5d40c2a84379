#pragma once
//! A poll round's worth of input messages and the work still owed for them. `pending` counts the
//! source's own hold, every event still queued or being processed, and every output not yet
//! acknowledged by its sink; offsets are committed only once it reaches zero (at-least-once).
//! Shared by the source (creates, commits), shards (events -> outputs) and the sink (deliveries),
//! so `pending` is atomic; `next_offsets` is written by the source thread alone before release.
#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "src/core/histogram.hpp"
#include "src/core/steady_time.hpp"

namespace spotstream {

struct InputBatch {
  std::atomic<std::int64_t> pending{1};  //!< starts with the source's hold
  std::atomic<bool> failed{false};       //!< an output could not be delivered: never commit
  //! Of `pending`, the outputs shard logic deferred (OutputCollector::emit_held) and has not made
  //! yet: with only those left, every output made so far has been delivered.
  std::atomic<std::int64_t> deferred{0};
  //! (topic, partition) -> offset to commit (last offset in the batch + 1).
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> next_offsets;

  void add(std::int64_t n) { pending.fetch_add(n, std::memory_order_acq_rel); }
  std::int64_t polled_ns = 0;     //!< steady clock when its first message was read; 0: none was
  Histogram* completed = nullptr;  //!< observes the seconds from polled_ns to the last done()

  void done(std::int64_t n = 1) {
    // Read before the count can reach zero: the source thread may free a complete batch at once.
    const auto polled = polled_ns;
    Histogram* const observe = completed;
    if (pending.fetch_sub(n, std::memory_order_acq_rel) == n && observe && polled != 0)
      observe->observe(static_cast<double>(steady_ns() - polled) / 1e9);
  }
  bool complete() const { return pending.load(std::memory_order_acquire) == 0; }
  //! Holds for a deferred output (its offsets wait for it; see `deferred`).
  void defer() {
    deferred.fetch_add(1, std::memory_order_acq_rel);
    add(1);
  }
  //! A deferred output that will not be made: its input is left to whoever reads the partition
  //! next (its offset must not be committed by this process: OffsetTracker::forget).
  void drop_deferred() {
    deferred.fetch_sub(1, std::memory_order_acq_rel);
    done();
  }
  //! Everything is done but the deferred outputs.
  bool done_but_deferred() const {
    return pending.load(std::memory_order_acquire) == deferred.load(std::memory_order_acquire);
  }
};

}  // namespace spotstream
