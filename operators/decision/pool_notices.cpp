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

// The pool's signals stamped in [from, to], found by binary search (each list is in time order).
std::span<const PoolNotices::Seen> PoolNotices::between(const std::string& pool, TimestampMs from, TimestampMs to) const {
  const auto it = by_pool_.find(pool);
  if (it == by_pool_.end()) return {};
  const auto& seen = it->second;
  const auto first = std::lower_bound(seen.begin(), seen.end(), from, [](const Seen& s, TimestampMs t) { return s.ts < t; });
  const auto last = std::upper_bound(first, seen.end(), to, [](TimestampMs t, const Seen& s) { return t < s.ts; });
  return {first, last};
}

std::size_t PoolNotices::instances(const std::string& pool, SignalKind kind, TimestampMs from, TimestampMs to) const {
  std::set<std::string_view> distinct;
  for (const auto& s : between(pool, from, to))
    if (s.kind == kind) distinct.insert(s.instance);
  return distinct.size();
}

bool PoolNotices::cooling(const std::string& pool, TimestampMs at, TimestampMs window) const {
  const auto seen = between(pool, at - window + 1, at);
  return std::any_of(seen.begin(), seen.end(), [](const Seen& s) { return s.kind == SignalKind::Interruption; });
}

void PoolNotices::forget_before(TimestampMs t) {
  for (auto it = by_pool_.begin(); it != by_pool_.end();) {
    auto& seen = it->second;
    seen.erase(seen.begin(), std::lower_bound(seen.begin(), seen.end(), t,
                                              [](const Seen& s, TimestampMs x) { return s.ts < x; }));
    it = seen.empty() ? by_pool_.erase(it) : std::next(it);
  }
}

}  // namespace spotstream
