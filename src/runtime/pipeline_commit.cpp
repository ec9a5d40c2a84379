// Pipeline: committing what was delivered (and, at the stop, what the shards leave owed).
#include <algorithm>
#include <chrono>

#include "src/runtime/pipeline.hpp"

namespace spotstream {

using Clock = std::chrono::steady_clock;

std::map<PartitionKey, std::int64_t> Pipeline::uncommitted() {
  bool failed = false;
  tracker_.advance(failed);
  std::map<PartitionKey, std::int64_t> changed;
  for (const auto& [tp, off] : tracker_.committable()) {
    auto it = committed_.find(tp);
    if (it == committed_.end() || it->second != off) changed[tp] = off;
  }
  return changed;
}

void Pipeline::commit(bool sync, const std::map<PartitionKey, std::int64_t>& owed_from) {
  auto changed = uncommitted();
  last_commit_ = Clock::now();
  // What is owed is recorded with the partition's offset, committed again if it has not moved.
  for (const auto& [tp, off] : owed_from)
    if (const auto it = committed_.find(tp); it != committed_.end()) changed.try_emplace(tp, it->second);
  if (changed.empty()) return;
  if (source_->commit(changed, sync, owed_from)) {
    for (const auto& [tp, off] : changed) committed_[tp] = off;
    metrics_.commits.inc();
  }
}

void Pipeline::commit_transaction(bool periodic) {
  if (periodic) {
    release_held(Release::SkippingGrace);
    if (!held_.empty()) return;  // ticks wait for partitions still being read: the next round
  }
  // The transaction must hold the outputs of exactly the batches whose offsets it sends: the
  // source routes nothing more until they are all acknowledged (the shards drain meanwhile).
  // Outputs tied to no input (decisions made while idle) may join it at any time.
  wait_in_flight();
  last_commit_ = Clock::now();
  if (fatal_.load()) return;
  const auto changed = uncommitted();
  if (!sink_->commit_transaction(changed, *source_)) return;  // fatal_ raised, transaction aborted
  for (const auto& [tp, off] : changed) committed_[tp] = off;
  if (!changed.empty()) metrics_.commits.inc();
}

// Outputs that wait for more input may be left owed to the next run, where the commit says so.
std::map<PartitionKey, std::int64_t> Pipeline::finish_shards(bool input_consumed) {
  const bool may_owe = !exactly_once_ && !fatal_.load() && source_->keeps_owed();
  std::map<PartitionKey, std::int64_t> owed_from;
  for (auto& s : shards_) {
    s->finish(input_consumed, may_owe);
    for (const auto& [tp, off] : s->owed_from()) {
      const auto [it, inserted] = owed_from.try_emplace(tp, off);
      if (!inserted) it->second = std::min(it->second, off);
    }
  }
  return owed_from;
}

}  // namespace spotstream
