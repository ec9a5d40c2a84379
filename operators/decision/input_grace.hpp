#pragma once
//! How far risk-driven decisions may go when they rely on idle fleet and signals partitions.
//!
//! An instant T is decidable once the risk table is complete through T and the fleet and signals
//! inputs have progressed past T. Progress treats a partition read to its end as idle (those topics
//! idle for hours live), but a producer may append an event stamped before T to it a little after
//! the prices that made T decidable (produce requests to different partitions are not ordered;
//! fetches from them return at different times). A decision made then would contradict a signal
//! that applies to it. So an instant that is decidable only because partitions look idle waits
//! until the source has confirmed them still at their end a grace period after it became decidable;
//! a signal or join that reaches Kafka within the grace is processed first. An instant every
//! partition has actually been read past (its watermark) needs no wait.
//! Owned by the decision shard's thread.
#include <cstdint>
#include <deque>
#include <limits>
#include <utility>

#include "src/core/event.hpp"

namespace spotstream {

class InputGrace {
 public:
  explicit InputGrace(std::int64_t grace_ms) : grace_ms_(grace_ms) {}

  //! `decidable`: how far instants could be decided now (table and inputs' progress);
  //! `read_through`: how far every fleet and signals partition has been read (no idleness assumed);
  //! `now_ms`: this thread's steady clock; `ends_checked_at`: when the source last confirmed its
  //! partitions' ends, as far as this thread has seen (Watermarks::ends_checked_at).
  //! Returns how far instants may be decided.
  TimestampMs release(TimestampMs decidable, TimestampMs read_through, std::int64_t now_ms, std::int64_t ends_checked_at);
  //! Instants decidable but waiting for their grace to pass.
  bool waiting() const { return !pending_.empty(); }

 private:
  std::int64_t grace_ms_;
  std::deque<std::pair<TimestampMs, std::int64_t>> pending_;  //!< (decidable through, since when), increasing
  TimestampMs released_ = std::numeric_limits<TimestampMs>::min();  //!< decidable through, grace passed
};

}  // namespace spotstream
