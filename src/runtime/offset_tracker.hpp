#pragma once
//! Orders in-flight input batches and turns completed prefixes into committable offsets.
//! A batch that finishes early waits for every older batch, so a commit never skips work.
//! Owned by the source thread.
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "src/runtime/input_batch.hpp"

namespace spotstream {

class OffsetTracker {
 public:
  using PartitionKey = std::pair<std::string, std::int32_t>;

  //! Takes ownership; the batch must have its offsets filled in already.
  InputBatch* push(std::unique_ptr<InputBatch> batch);
  //! Retires the completed prefix; returns true if new offsets became committable.
  //! Sets `failed` when the oldest batch failed delivery (nothing after it may ever commit).
  bool advance(bool& failed);
  //! Offsets safe to commit: (topic, partition) -> next offset. Includes already-committed ones.
  const std::map<PartitionKey, std::int64_t>& committable() const { return committable_; }
  //! Forgets a partition (revoked): its committable offset is dropped after the final commit, and
  //! the batches still in flight (holding outputs deferred by shard logic) will not commit it: its
  //! new owner reads their messages again.
  void forget(const PartitionKey& tp);
  std::size_t in_flight() const { return batches_.size(); }
  //! Batches pushed, and retired (completed in order), since the start: batch number k (1-based,
  //! k = pushed() right after its push) is retired once retired() >= k.
  std::uint64_t pushed() const { return pushed_; }
  std::uint64_t retired() const { return retired_; }
  //! Like retired(), counting as done the batches that wait only for outputs deferred by shard
  //! logic (InputBatch::done_but_deferred): every output made for batches up to it is delivered.
  std::uint64_t delivered() const { return delivered_; }

 private:
  std::uint64_t pushed_ = 0, retired_ = 0, delivered_ = 0;
  std::deque<std::unique_ptr<InputBatch>> batches_;
  std::map<PartitionKey, std::int64_t> committable_;
};

}  // namespace spotstream
