#include "topology/pending_signal_decisions.hpp"

#include <algorithm>
#include <limits>

#include "src/core/time.hpp"

namespace spotstream {

// Scores are published when the grid instant they fall in is crossed (spot.risk's progress marks
// too), so completeness is compared cell by cell.
bool PendingSignalDecisions::ready(TimestampMs ts, TimestampMs complete) const {
  constexpr TimestampMs kMin = std::numeric_limits<TimestampMs>::min();
  constexpr TimestampMs kMax = std::numeric_limits<TimestampMs>::max();
  if (wait_ms_ <= 0) return true;
  const TimestampMs up_to = std::min(ts, caught_up_);
  if (complete == kMin) return false;
  if (up_to == kMax || complete == kMax) return true;
  return grid_cell(complete, instant_ms_) >= grid_cell(up_to - lateness_ - 1, instant_ms_);
}

void PendingSignalDecisions::defer(Entry e, std::int64_t now_ms) {
  e.deadline_ms = now_ms + wait_ms_;
  if (e.held) e.held->defer();
  pending_.push_back(std::move(e));
}

void PendingSignalDecisions::release(TimestampMs complete, std::int64_t now_ms, bool all, const Release& go) {
  while (!pending_.empty()) {
    Entry& e = pending_.front();
    const bool scored = ready(e.decision.ts, complete);
    if (!scored && !all && now_ms < e.deadline_ms) return;
    Entry taken = std::move(e);
    pending_.pop_front();
    go(taken, !scored);
  }
}

std::size_t PendingSignalDecisions::drop_if(const std::function<bool(const Entry&)>& drop) {
  return std::erase_if(pending_, [&](const Entry& e) {
    if (!drop(e)) return false;
    if (e.held) e.held->drop_deferred();
    return true;
  });
}

TimestampMs PendingSignalDecisions::earliest() const {
  TimestampMs t = std::numeric_limits<TimestampMs>::max();
  for (const auto& e : pending_) t = std::min(t, e.decision.ts);
  return t;
}

}  // namespace spotstream
