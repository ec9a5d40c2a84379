#include "src/codec/dlq_counters.hpp"

#include <spdlog/spdlog.h>

namespace spotstream {

namespace {
std::size_t reason_index(std::string_view reason) {
  for (std::size_t i = 0; i + 1 < DlqCounters::kReasons.size(); ++i)
    if (DlqCounters::kReasons[i] == reason) return i;
  return DlqCounters::kReasons.size() - 1;
}
constexpr std::int64_t kLogEveryMs = 60000;
}  // namespace

void DlqCounters::inc(std::string_view reason, std::uint64_t n) { counts_[reason_index(reason)].inc(n); }
std::uint64_t DlqCounters::get(std::string_view reason) const { return counts_[reason_index(reason)].get(); }
std::uint64_t DlqCounters::total() const {
  std::uint64_t t = 0;
  for (const auto& c : counts_) t += c.get();
  return t;
}

std::size_t DlqCounters::payload_allowance(std::size_t max_bytes, std::int64_t now_ms) {
  if (rate_ == 0) return max_bytes;
  // A new second starts a new budget; two threads crossing into it at once both reset the count,
  // which lets a handful more through, never fewer.
  const std::int64_t second = now_ms / 1000;
  if (std::int64_t seen = second_.load(std::memory_order_relaxed); seen != second &&
      second_.compare_exchange_strong(seen, second, std::memory_order_relaxed))
    in_second_.store(0, std::memory_order_relaxed);
  if (in_second_.fetch_add(1, std::memory_order_relaxed) < rate_) return max_bytes;
  dropped_.inc();
  std::int64_t last = logged_at_ms_.load(std::memory_order_relaxed);
  if ((last < 0 || now_ms - last >= kLogEveryMs) &&
      logged_at_ms_.compare_exchange_strong(last, now_ms, std::memory_order_relaxed))
    spdlog::warn("dead letters: more than limits.dlq_per_second ({}) in a second; the rest of such seconds are "
                 "written with reason and source offset but without their bytes ({} so far; the bytes stay on "
                 "the source topic at that offset)",
                 rate_, dropped_.get());
  return 0;
}

}  // namespace spotstream
