#include "src/runtime/watermarks.hpp"

#include <algorithm>

namespace spotstream {

void WatermarkTracker::recompute(const std::map<PartitionKey, bool>& assignment) {
  TimestampMs wm[3];
  bool any[3] = {false, false, false};
  for (auto& w : wm) w = std::numeric_limits<TimestampMs>::max();
  for (const auto& [tp, at_end] : assignment) {
    (void)at_end;  // deliberately ignored: see the header
    auto kind = topics_.find(tp.first);
    if (kind == topics_.end()) continue;
    const int k = static_cast<int>(kind->second);
    auto seen = max_ts_.find(tp);
    wm[k] = std::min(wm[k], seen == max_ts_.end() ? Watermarks::kMin : seen->second);
    any[k] = true;
  }
  auto apply = [&](TimestampMs& current, InputKind kind) {
    const int k = static_cast<int>(kind);
    // Watermarks never go back, even when a rebalance hands us a partition that is behind.
    if (any[k]) current = std::max(current, wm[k]);
  };
  apply(current_.prices, InputKind::Prices);
  apply(current_.signals, InputKind::Signals);
  apply(current_.fleet, InputKind::Fleet);
}

}  // namespace spotstream
