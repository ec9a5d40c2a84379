#include "src/codec/dlq_counters.hpp"

namespace spotstream {

namespace {
std::size_t reason_index(std::string_view reason) {
  for (std::size_t i = 0; i + 1 < DlqCounters::kReasons.size(); ++i)
    if (DlqCounters::kReasons[i] == reason) return i;
  return DlqCounters::kReasons.size() - 1;
}
}  // namespace

void DlqCounters::inc(std::string_view reason, std::uint64_t n) { counts_[reason_index(reason)].inc(n); }
std::uint64_t DlqCounters::get(std::string_view reason) const { return counts_[reason_index(reason)].get(); }
std::uint64_t DlqCounters::total() const {
  std::uint64_t t = 0;
  for (const auto& c : counts_) t += c.get();
  return t;
}

}  // namespace spotstream
