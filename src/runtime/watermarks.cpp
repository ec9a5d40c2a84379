#include "src/runtime/watermarks.hpp"

#include <algorithm>

namespace spotstream {

void WatermarkTracker::detect_stalls(const std::map<PartitionKey, bool>& assignment, std::int64_t now) {
  TimestampMs ahead = Watermarks::kMin;
  for (const auto& [tp, at_end] : assignment) {
    const auto kind = topics_.find(tp.first);
    if (kind != topics_.end() && kind->second == InputKind::Prices) ahead = std::max(ahead, latest(tp));
  }
  prices_ahead_ = ahead;
  std::map<PartitionKey, TimestampMs> stalled;
  std::map<PartitionKey, std::int64_t> behind;
  for (const auto& [tp, at_end] : assignment) {
    const auto kind = topics_.find(tp.first);
    if (kind == topics_.end() || kind->second != InputKind::Prices || !at_end) continue;
    const TimestampMs t = latest(tp);
    if (t == Watermarks::kMin || t >= ahead - stale_after_) continue;
    const auto since = behind_since_.find(tp);
    const std::int64_t from = since != behind_since_.end() ? since->second : now;
    behind.emplace(tp, from);
    // Its pools' prices are known up to its latest tick and for the bound after it, no further.
    if (now - from >= stale_grace_ms_) stalled.emplace(tp, t + stale_after_);
  }
  behind_since_ = std::move(behind);
  if (stalled != stalled_) {
    stalled_ = std::move(stalled);
    ++current_.stalled_generation;
  }
}

void WatermarkTracker::recompute(const std::map<PartitionKey, bool>& assignment, std::int64_t ends_checked_at) {
  current_.ends_checked_at = std::max(current_.ends_checked_at, ends_checked_at);
  if (stale_after_ > 0) detect_stalls(assignment, ends_checked_at);
  TimestampMs wm[3], progress[3];
  bool any[3] = {false, false, false};
  for (auto& w : wm) w = std::numeric_limits<TimestampMs>::max();
  for (auto& p : progress) p = std::numeric_limits<TimestampMs>::max();
  // Both maps are ordered by (topic, partition): one walk through each, no lookups (this runs
  // once per poll round over every assigned partition). The topic is looked up once per topic.
  bool control_at_end = true;
  auto seen = max_ts_.begin();
  const std::string* topic = nullptr;
  auto kind = topics_.end();
  for (const auto& [tp, at_end] : assignment) {
    if (!topic || *topic != tp.first) {
      topic = &tp.first;
      kind = topics_.find(tp.first);
    }
    if (kind == topics_.end()) continue;
    const int k = static_cast<int>(kind->second);
    if (kind->second != InputKind::Prices && !at_end) control_at_end = false;
    while (seen != max_ts_.end() && seen->first < tp) ++seen;
    const bool has = seen != max_ts_.end() && seen->first == tp;
    const TimestampMs latest = has ? seen->second : Watermarks::kMin;
    wm[k] = std::min(wm[k], latest);  // at_end deliberately ignored: see the header
    // Prices flow all the time: only a partition that is empty so far stops holding them back (so
    // that the outcome of a replay does not depend on how fast each partition was read). The fleet
    // and signals topics are idle most of the time: a partition read to its end does not hold back.
    // A stalled price partition (detect_stalls) does not hold them back either: its pools are stale.
    const bool idle = kind->second == InputKind::Prices ? at_end && (!has || (!stalled_.empty() && stalled_.count(tp)))
                                                        : at_end;
    if (!idle) progress[k] = std::min(progress[k], latest);
    any[k] = true;
  }
  auto apply = [&](TimestampMs& current, InputKind kind) {
    const int k = static_cast<int>(kind);
    if (!any[k]) return;
    // The prices' watermark never goes back, even when a rebalance hands us a partition that is
    // behind. The fleet and signals watermarks do: what waits on them (a parked signal's expiry, a
    // departed node kept for signals) must wait for a newly assigned partition's joins and signals.
    current = kind == InputKind::Prices ? std::max(current, wm[k]) : wm[k];
  };
  current_.control_at_end = control_at_end;
  current_.signals_assigned = any[static_cast<int>(InputKind::Signals)];
  current_.fleet_assigned = any[static_cast<int>(InputKind::Fleet)];
  apply(current_.prices, InputKind::Prices);
  apply(current_.signals, InputKind::Signals);
  apply(current_.fleet, InputKind::Fleet);
  auto apply_progress = [&](TimestampMs& current, InputKind kind) {
    const int k = static_cast<int>(kind);
    if (any[k]) current = std::max(current, progress[k]);
  };
  apply_progress(current_.prices_progress, InputKind::Prices);
  apply_progress(current_.signals_progress, InputKind::Signals);
  apply_progress(current_.fleet_progress, InputKind::Fleet);
  const auto now = [&](InputKind kind, TimestampMs monotone) {
    const int k = static_cast<int>(kind);
    return any[k] ? progress[k] : monotone;
  };
  current_.control_progress = std::min(now(InputKind::Signals, current_.signals_progress),
                                       now(InputKind::Fleet, current_.fleet_progress));
}

}  // namespace spotstream
