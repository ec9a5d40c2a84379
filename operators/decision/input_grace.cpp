#include "operators/decision/input_grace.hpp"

#include <algorithm>

namespace spotstream {

TimestampMs InputGrace::release(TimestampMs decidable, TimestampMs read_through, std::int64_t now_ms,
                                std::int64_t ends_checked_at) {
  const TimestampMs newest = pending_.empty() ? released_ : pending_.back().first;
  if (decidable > newest) pending_.emplace_back(decidable, now_ms);
  while (!pending_.empty() && pending_.front().second + grace_ms_ <= ends_checked_at) {
    released_ = pending_.front().first;
    pending_.pop_front();
  }
  return std::min(decidable, std::max(released_, read_through));
}

}  // namespace spotstream
