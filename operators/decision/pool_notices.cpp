#include "operators/decision/pool_notices.hpp"

#include <algorithm>
#include <set>

namespace spotstream {

void PoolNotices::record(const std::string& pool, SignalKind kind, TimestampMs ts, const std::string& instance) {
  auto& seen = by_pool_[pool];
  // Signals partitions interleave: keep each pool's list in event-time order.
  const auto at = std::upper_bound(seen.begin(), seen.end(), ts, [](TimestampMs t, const Seen& s) { return t < s.ts; });
  seen.insert(at, Seen{ts, kind, instance});
}

std::size_t PoolNotices::instances(const std::string& pool, SignalKind kind, TimestampMs from, TimestampMs to) const {
  const auto it = by_pool_.find(pool);
  if (it == by_pool_.end()) return 0;
  std::set<std::string_view> distinct;
  for (const auto& s : it->second)
    if (s.kind == kind && s.ts >= from && s.ts <= to) distinct.insert(s.instance);
  return distinct.size();
}

bool PoolNotices::cooling(const std::string& pool, TimestampMs at, TimestampMs window) const {
  const auto it = by_pool_.find(pool);
  if (it == by_pool_.end()) return false;
  return std::any_of(it->second.begin(), it->second.end(), [&](const Seen& s) {
    return s.kind == SignalKind::Interruption && s.ts <= at && s.ts > at - window;
  });
}

void PoolNotices::forget_before(TimestampMs t) {
  for (auto it = by_pool_.begin(); it != by_pool_.end();) {
    auto& seen = it->second;
    while (!seen.empty() && seen.front().ts < t) seen.pop_front();
    it = seen.empty() ? by_pool_.erase(it) : std::next(it);
  }
}

}  // namespace spotstream
