#include "src/runtime/watermarks.hpp"

#include <algorithm>

namespace spotstream {

void WatermarkTracker::detect_stalls(std::int64_t now) {
  TimestampMs ahead = Watermarks::kMin;
  for (const auto& e : entries_)
    if (e.kind == InputKind::Prices) ahead = std::max(ahead, e.latest);
  prices_ahead_ = ahead;
  std::map<PartitionKey, TimestampMs> stalled;
  std::map<PartitionKey, std::int64_t> behind;
  for (const auto& e : entries_) {
    if (e.kind != InputKind::Prices || !e.at_end) continue;
    if (e.latest == Watermarks::kMin || e.latest >= ahead - stale_after_) continue;
    const auto since = behind_since_.find(*e.tp);
    const std::int64_t from = since != behind_since_.end() ? since->second : now;
    behind.emplace(*e.tp, from);
    // Its pools' prices are known up to its latest tick and for the bound after it, no further.
    if (now - from >= stale_grace_ms_) stalled.emplace(*e.tp, e.latest + stale_after_);
  }
  behind_since_ = std::move(behind);
  if (stalled != stalled_) {
    stalled_ = std::move(stalled);
    ++current_.stalled_generation;
  }
}

void WatermarkTracker::collect(const std::map<PartitionKey, bool>& assignment) {
  // Both maps are ordered by (topic, partition): one walk through each, no lookups (this runs
  // once per poll round over every assigned partition). The topic is looked up once per topic.
  entries_.clear();
  auto seen = max_ts_.begin();
  const std::string* topic = nullptr;
  auto kind = topics_.end();
  for (const auto& [tp, at_end] : assignment) {
    if (!topic || *topic != tp.first) {
      topic = &tp.first;
      kind = topics_.find(tp.first);
    }
    if (kind == topics_.end()) continue;
    while (seen != max_ts_.end() && seen->first < tp) ++seen;
    const bool has = seen != max_ts_.end() && seen->first == tp;
    entries_.push_back(Entry{&tp, kind->second, has ? seen->second : Watermarks::kMin, has, at_end});
  }
}

void WatermarkTracker::track_catch_up(bool confirmed, std::size_t prices, TimestampMs prices_progress) {
  if (confirmed && prices_read_to_end_.size() < prices)
    for (const auto& e : entries_)
      if (e.kind == InputKind::Prices && e.at_end) prices_read_to_end_.insert(*e.tp);
  // Revoked partitions are forgotten: the set holds assigned ones only.
  if (prices == 0 || prices_read_to_end_.size() < prices) current_.prices_caught_up = Watermarks::kMax;
  else if (current_.prices_caught_up == Watermarks::kMax) current_.prices_caught_up = prices_progress;
}

void WatermarkTracker::recompute(const std::map<PartitionKey, bool>& assignment, std::int64_t ends_checked_at) {
  const bool confirmed = ends_checked_at > current_.ends_checked_at;
  current_.ends_checked_at = std::max(current_.ends_checked_at, ends_checked_at);
  collect(assignment);
  if (stale_after_ > 0) detect_stalls(ends_checked_at);
  TimestampMs wm[3], progress[3];
  bool any[3] = {false, false, false};
  std::size_t price_partitions = 0;
  for (auto& w : wm) w = std::numeric_limits<TimestampMs>::max();
  for (auto& p : progress) p = std::numeric_limits<TimestampMs>::max();
  bool control_at_end = true;
  for (const auto& e : entries_) {
    const int k = static_cast<int>(e.kind);
    if (e.kind != InputKind::Prices && !e.at_end) control_at_end = false;
    price_partitions += e.kind == InputKind::Prices;
    wm[k] = std::min(wm[k], e.latest);  // at_end deliberately ignored: see the header
    // Prices flow all the time: only a partition that is empty so far stops holding them back (so
    // that the outcome of a replay does not depend on how fast each partition was read). The fleet
    // and signals topics are idle most of the time: a partition read to its end does not hold back.
    // A stalled price partition (detect_stalls) does not hold them back either: its pools are stale.
    const bool idle = e.kind == InputKind::Prices ? e.at_end && (!e.has || (!stalled_.empty() && stalled_.count(*e.tp)))
                                                  : e.at_end;
    if (!idle) progress[k] = std::min(progress[k], e.latest);
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
  track_catch_up(confirmed, price_partitions, current_.prices_progress);
  const auto now = [&](InputKind kind, TimestampMs monotone) {
    const int k = static_cast<int>(kind);
    return any[k] ? progress[k] : monotone;
  };
  current_.control_progress = std::min(now(InputKind::Signals, current_.signals_progress),
                                       now(InputKind::Fleet, current_.fleet_progress));
}

}  // namespace spotstream
