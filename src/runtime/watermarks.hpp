#pragma once
//! Event-time progress per input. An input's watermark is the earliest "latest event time read"
//! among all its assigned partitions (a partition assigned but not yet read holds it at the minimum):
//! every event at or below it from that input has already been routed, provided each partition is
//! in event-time order. Partitions read to their end still hold it back: a producer may yet append
//! an older event to an idle partition (produce requests to different partitions are not ordered),
//! and deciding idleness by the wall clock would make results depend on speed. An input with an
//! idle partition therefore stalls its watermark; what waits on it (parked signals, departed nodes)
//! is bounded by count instead. When a rebalance hands over a partition that is behind, the fleet
//! and signals watermarks go back to it (its joins and signals are still to come); the prices'
//! watermark and every input's progress never go back.
//! Owned by the source thread; snapshots travel with each event to the shards, so a shard never
//! sees a watermark that runs ahead of the events queued in front of it.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "src/codec/event_decoder.hpp"
#include "src/core/event.hpp"

namespace spotstream {

struct Watermarks {
  static constexpr TimestampMs kMin = std::numeric_limits<TimestampMs>::min();
  static constexpr TimestampMs kMax = std::numeric_limits<TimestampMs>::max();
  TimestampMs prices = kMin;
  TimestampMs signals = kMin;
  TimestampMs fleet = kMin;
  //! Each input's progress, for decisions: like its watermark, except that idle partitions do not
  //! hold it back (kMax when all are idle): for prices, a partition at its end that never had a
  //! message (more partitions than keys); for fleet and signals, any partition read to its end.
  //! In a replay a partition is at its end only once all of it has been read, so what waits on
  //! these is deterministic; live, the fleet and signals topics are idle most of the time and must
  //! not stall decisions (which give such idle partitions a grace period: ends_checked_at). An
  //! event older than its input's progress is late for decisions made since. Never go back.
  TimestampMs prices_progress = kMin;
  TimestampMs fleet_progress = kMin;
  TimestampMs signals_progress = kMin;
  //! How far every fleet and signals partition assigned now has been read, read-to-end partitions
  //! not holding back: like the two progresses combined, but going back when a partition is newly
  //! assigned (a takeover: its joins and signals, older than decisions already made, are still to
  //! come) and when an idle one has something new, until it is read to its end again. Decisions
  //! made before stand; the next ones wait for what the partition holds.
  TimestampMs control_progress = kMin;
  //! Where the prices stood when the source caught up with them: their progress (not capped by
  //! ticks held for the fleet and signals inputs) at the first confirmation of the partitions'
  //! ends that found every assigned price partition read to its end at least once since it was
  //! assigned. kMax while some has not been (a start, a restart or a takeover still reading a
  //! backlog; and a replay, whose partitions end only with it). What reads scores to decide on a
  //! signal at once waits for the scores up to here: before it, the scores lag the signals.
  TimestampMs prices_caught_up = kMax;
  //! When (steady clock, ms) the source last confirmed which of its partitions are read to their
  //! end (EventSource::confirm_ends): everything its fetches had found on the broker by then was
  //! routed before this snapshot. A producer appends an event to an idle partition a little after
  //! events of later times elsewhere (produce requests to different partitions are not ordered),
  //! so decisions that rely on idle fleet and signals partitions wait for a confirmation made a
  //! grace period after they became possible (decisions.input_grace_ms).
  std::int64_t ends_checked_at = 0;
  //! Every assigned fleet and signals partition was at its end at ends_checked_at: nothing older
  //! than what has been routed is waiting there (what nodes taken over are caught up against).
  bool control_at_end = false;
  //! Whether this process has a partition of the signals / fleet input assigned at all (a member
  //! of a large group may have none: nothing of that input is then waited for).
  bool signals_assigned = false, fleet_assigned = false;
  //! Changes whenever the set of stalled price partitions changes (WatermarkTracker::stalled()).
  std::uint32_t stalled_generation = 0;
  //! Every fleet event and signal stamped before this has been routed (kMax with neither assigned).
  TimestampMs control_through() const {
    return std::min(signals_assigned ? signals_progress : kMax, fleet_assigned ? fleet_progress : kMax);
  }

  //! Every event of every input older than this has been routed (the least of the progresses).
  TimestampMs routed_before() const { return std::min({prices_progress, fleet_progress, signals_progress}); }
};

class WatermarkTracker {
 public:
  //! `topics`: input topic name -> which input it is.
  explicit WatermarkTracker(std::map<std::string, InputKind> topics) : topics_(std::move(topics)) {}

  //! Records an event time read from `tp`; returns the partition's watermark before it (the
  //! latest event time read from it so far, kMin if none).
  TimestampMs observe(const PartitionKey& tp, TimestampMs ts) {
    auto [it, inserted] = max_ts_.try_emplace(tp, ts);
    if (inserted) return Watermarks::kMin;
    const TimestampMs before = it->second;
    if (ts > before) it->second = ts;
    return before;
  }
  //! observe() for the hot path: `entry` caches where `tp`'s latest time is kept (null at first;
  //! valid until forget(tp)), so that only a partition's first event looks it up.
  TimestampMs observe(TimestampMs*& entry, const PartitionKey& tp, TimestampMs ts) {
    if (!entry) {
      auto [it, inserted] = max_ts_.try_emplace(tp, ts);
      entry = &it->second;
      if (inserted) return Watermarks::kMin;
    }
    const TimestampMs before = *entry;
    if (ts > before) *entry = ts;
    return before;
  }
  //! Recomputes over the assigned partitions (once per poll round); `ends_checked_at`: when their
  //! ends were confirmed (see Watermarks::ends_checked_at).
  void recompute(const std::map<PartitionKey, bool>& assignment, std::int64_t ends_checked_at = 0);
  void forget(const PartitionKey& tp) {
    max_ts_.erase(tp);
    prices_read_to_end_.erase(tp);
    behind_since_.erase(tp);
    if (stalled_.erase(tp) > 0) ++current_.stalled_generation;
  }
  //! A price partition read to its end whose latest event time is more than `ms` behind the most
  //! advanced price partition's, and has stayed so for `grace_ms` of wall time (the `ends_checked_at`
  //! clock of recompute()), is stalled: its producer stopped while the others go on. It is reported,
  //! no longer holds the prices' progress back, and its pools are marked stale. The grace keeps a
  //! backfill, where a partition's next messages may reach the broker a moment after others' of
  //! days later, from looking stalled. `ms` 0: off (replays, whose partitions are at their end only
  //! once all of them is read).
  void set_stale_after(TimestampMs ms, std::int64_t grace_ms = 0) {
    stale_after_ = ms;
    stale_grace_ms_ = grace_ms;
  }
  //! Stalled price partitions -> when their pools became stale: their latest event time plus the
  //! bound (a time of the data, so that what decisions see does not depend on reading speed).
  const std::map<PartitionKey, TimestampMs>& stalled() const { return stalled_; }
  //! The latest event time of the most advanced assigned price partition, as of the last stall check.
  TimestampMs prices_ahead() const { return prices_ahead_; }
  //! The latest event time read from `tp` (kMin if none).
  TimestampMs latest(const PartitionKey& tp) const {
    const auto it = max_ts_.find(tp);
    return it == max_ts_.end() ? Watermarks::kMin : it->second;
  }
  const Watermarks& current() const { return current_; }

 private:
  //! An assigned partition of a known input, as recompute() found it.
  struct Entry {
    const PartitionKey* tp;
    InputKind kind;
    TimestampMs latest;  //!< kMin when nothing was read from it
    bool has;            //!< something was read from it
    bool at_end;
  };
  //! entries_ from the assignment and the latest times read.
  void collect(const std::map<PartitionKey, bool>& assignment);
  void detect_stalls(std::int64_t now);
  //! Watermarks::prices_caught_up, from the round's entries (`prices` of them price partitions);
  //! `confirmed`: the ends were confirmed since the last round (only then can a partition's end
  //! have been reached).
  void track_catch_up(bool confirmed, std::size_t prices, TimestampMs prices_progress);
  std::map<std::string, InputKind> topics_;
  std::vector<Entry> entries_;  //!< kept between rounds for its capacity
  std::map<PartitionKey, TimestampMs> max_ts_;
  //! Assigned price partitions found read to their end at least once since their assignment.
  std::set<PartitionKey> prices_read_to_end_;
  TimestampMs stale_after_ = 0;
  std::int64_t stale_grace_ms_ = 0;
  std::map<PartitionKey, std::int64_t> behind_since_;  //!< behind and at their end, since (wall time)
  std::map<PartitionKey, TimestampMs> stalled_;
  TimestampMs prices_ahead_ = Watermarks::kMin;
  Watermarks current_;
};

}  // namespace spotstream
