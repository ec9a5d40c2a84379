#pragma once
//! Decisions caused by AWS signals that wait for the scores of their time. Owned by the decision
//! shard's thread.
//!
//! A signal's decision names a replacement pool from the risk table as of the signal's time. When
//! the signals are read ahead of the prices (a start, a restart or a takeover reading a backlog, a
//! price partition slow to fetch), the table does not hold those scores yet: an EVACUATE decided
//! then would find no safe spot pool and send its node to on-demand. So a signal's decision waits
//! until the table is complete (at the decision grid's resolution) through the signal's time less
//! the allowed lateness, or through where the prices stood when the source caught up with them
//! (Watermarks::prices_caught_up), whichever is earlier: live, once caught up, a signal is decided
//! at once, even when the price feeds are sparse. It waits at most `wait_ms` of wall time; then
//! it is decided on the scores the table has (logged). Decisions go out in the order they were
//! caused, so a node's DRAIN never overtakes its EVACUATE.
//!
//! A deferred decision holds its input batch (InputBatch::defer): the signal's offset is committed
//! only once the decision is delivered (OutputCollector::emit_held). The batch's other outputs, the
//! scores among them, count as delivered for spot.risk's progress marks meanwhile
//! (OffsetTracker::delivered): the table the decision waits for completes from those marks.
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>

#include "operators/decision/fleet_state.hpp"
#include "src/core/event.hpp"
#include "src/runtime/input_batch.hpp"

namespace spotstream {

class PendingSignalDecisions {
 public:
  struct Entry {
    Decision decision;
    bool replay = false;         //!< delivered before a restart: rebuilds state, emits nothing
    std::int64_t polled_ns = 0;  //!< when the signal was read (latency metric); 0: not timed
    InputBatch* held = nullptr;  //!< the batch it holds (null: none)
    std::int64_t deadline_ms = 0;  //!< steady clock
    //! Its node when the signal was decided (none: not in the fleet): the node may leave, and be
    //! forgotten, before the decision goes.
    std::optional<FleetNode> node;
  };
  //! `wait_ms` 0: never wait. `lateness`: window.allowed_lateness_ms. `instant_ms`: the decision grid.
  PendingSignalDecisions(std::int64_t wait_ms, TimestampMs lateness, TimestampMs instant_ms)
      : wait_ms_(wait_ms), lateness_(lateness), instant_ms_(instant_ms) {}

  //! The latest Watermarks::prices_caught_up seen.
  void prices_caught_up(TimestampMs t) { caught_up_ = t; }
  //! Whether a decision stamped `ts` may go now, the table complete through `complete`.
  bool ready(TimestampMs ts, TimestampMs complete) const;
  bool empty() const { return pending_.empty(); }
  std::int64_t wait_ms() const { return wait_ms_; }
  //! Defers `e` (its deadline set from `now_ms`), holding its batch.
  void defer(Entry e, std::int64_t now_ms);
  //! Hands over, in order, every decision that may go: ready, past its deadline, or `all`.
  //! `late` says the decision goes on the scores the table has, not those of its time.
  using Release = std::function<void(Entry&, bool late)>;
  void release(TimestampMs complete, std::int64_t now_ms, bool all, const Release& go);
  //! Drops the deferred decisions `drop` selects (their node moved to another process), letting
  //! their batches go (InputBatch::drop_deferred); returns how many.
  std::size_t drop_if(const std::function<bool(const Entry&)>& drop);
  //! The earliest time among the deferred decisions (kMax: none): outputs before it are complete.
  TimestampMs earliest() const;

 private:
  std::int64_t wait_ms_;
  TimestampMs lateness_;
  TimestampMs instant_ms_;
  TimestampMs caught_up_ = std::numeric_limits<TimestampMs>::max();
  std::deque<Entry> pending_;
};

}  // namespace spotstream
