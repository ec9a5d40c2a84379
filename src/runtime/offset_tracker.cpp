#include "src/runtime/offset_tracker.hpp"

#include <algorithm>

namespace spotstream {

InputBatch* OffsetTracker::push(std::unique_ptr<InputBatch> batch) {
  batches_.push_back(std::move(batch));
  ++pushed_;
  return batches_.back().get();
}

void OffsetTracker::forget(const PartitionKey& tp) {
  committable_.erase(tp);
  for (auto& b : batches_) b->next_offsets.erase(tp);
}

bool OffsetTracker::advance(bool& failed) {
  bool moved = false;
  failed = false;
  while (!batches_.empty()) {
    auto& front = *batches_.front();
    if (front.failed.load(std::memory_order_acquire)) {
      failed = true;
      break;
    }
    if (!front.complete()) break;
    for (const auto& [tp, next] : front.next_offsets) {
      auto& slot = committable_[tp];
      if (next > slot) slot = next;
    }
    batches_.pop_front();
    ++retired_;
    moved = true;
  }
  std::uint64_t delivered = retired_;
  for (const auto& b : batches_) {
    if (!b->done_but_deferred() || b->failed.load(std::memory_order_acquire)) break;
    ++delivered;
  }
  delivered_ = std::max(delivered_, delivered);
  return moved;
}

}  // namespace spotstream
