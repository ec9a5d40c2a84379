#include "src/runtime/watermarks.hpp"

#include <algorithm>

namespace spotstream {

void WatermarkTracker::recompute(const std::map<PartitionKey, bool>& assignment_eof) {
  struct Acc {
    TimestampMs min_live = std::numeric_limits<TimestampMs>::max();
    TimestampMs max_seen = Watermarks::kMin;
    bool any_live = false;
  };
  Acc acc[3];
  for (const auto& [tp, at_eof] : assignment_eof) {
    auto kind = topics_.find(tp.first);
    if (kind == topics_.end()) continue;
    auto& a = acc[static_cast<int>(kind->second)];
    auto seen = max_ts_.find(tp);
    const TimestampMs ts = seen == max_ts_.end() ? Watermarks::kMin : seen->second;
    a.max_seen = std::max(a.max_seen, ts);
    if (at_eof) continue;
    a.any_live = true;
    a.min_live = std::min(a.min_live, ts);
  }
  auto wm = [](const Acc& a) { return a.any_live ? a.min_live : a.max_seen; };
  // Watermarks never go back, even when a rebalance hands us a partition that is behind.
  current_.prices = std::max(current_.prices, wm(acc[static_cast<int>(InputKind::Prices)]));
  current_.signals = std::max(current_.signals, wm(acc[static_cast<int>(InputKind::Signals)]));
  current_.fleet = std::max(current_.fleet, wm(acc[static_cast<int>(InputKind::Fleet)]));
}

}  // namespace spotstream
