#pragma once
//! A source over events already in memory (files read, a synthetic market generated): a replay in
//! process, without a broker. Messages are handed over in the order given (the caller sorts them
//! by event time), each already decoded, in partitions the caller chose (the Kafka partitioner's,
//! so that a replay builds the same per-partition state as a Kafka run). Every partition is
//! assigned at the first poll; one is at its end once its last message has been handed over, so
//! what waits for idle inputs depends on the data alone, never on timing. Offsets count from 0 per
//! partition; commits are recorded (committed()). Owned by the pipeline's source thread.
#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "src/runtime/event_source.hpp"

namespace spotstream {

class MemorySource : public EventSource {
 public:
  //! Where the next message is read from. The message's time is the event's (as the feeds stamp them).
  struct Placement {
    std::uint32_t input = 0;  //!< index into the inputs
    std::int32_t partition = 0;
    bool from_ticks = false;  //!< the next of `ticks` is handed over, otherwise the next of `events`
  };

  //! `partitions`: how many partitions each input has (by index); `placements[i]`: the i-th
  //! message handed over, from `ticks` (copied as it is handed over: many replays may read one
  //! market, which outlives the source) or from `events` (moved), in a valid partition.
  MemorySource(std::vector<Input> inputs, std::vector<std::int32_t> partitions, std::span<const PriceTick> ticks,
               std::vector<Event> events, std::vector<Placement> placements, Listener& listener);

  const std::vector<Input>& inputs() const override { return inputs_; }
  std::size_t poll(std::size_t max, int timeout_ms, const RecordFn& fn) override;
  bool all_at_eof() const override { return assigned_ && (done_ || placements_.empty()); }
  bool event_time_ordered() const override { return true; }
  bool commit(const std::map<PartitionKey, std::int64_t>& offsets, bool sync,
              const std::map<PartitionKey, std::int64_t>& owed_from) override;
  void close() override {}
  const std::map<PartitionKey, bool>& assignment() const override { return at_end_; }
  const PartitionKey& key(std::uint32_t slot) const override { return keys_[slot]; }
  std::int64_t slot_of(const PartitionKey& tp) const override;
  std::size_t slot_bound() const override { return keys_.size(); }

  //! The offsets committed so far: partition -> next offset.
  const std::map<PartitionKey, std::int64_t>& committed() const { return committed_; }

 private:
  void assign();
  std::vector<Input> inputs_;
  std::vector<std::int32_t> partitions_;
  std::span<const PriceTick> ticks_;
  std::vector<Event> events_;
  std::vector<Placement> placements_;
  Listener& listener_;
  bool assigned_ = false;
  bool done_ = false;  //!< every message handed over (and their memory released)
  std::size_t next_ = 0;       //!< into placements_
  std::size_t next_tick_ = 0;
  std::size_t next_event_ = 0;
  std::vector<PartitionKey> keys_;           //!< by slot
  std::vector<std::uint32_t> first_slot_;    //!< by input: the slot of its partition 0
  std::vector<std::int64_t> next_offset_;    //!< by slot
  std::vector<std::size_t> remaining_;       //!< by slot: messages not handed over yet
  std::map<PartitionKey, bool> at_end_;
  std::map<PartitionKey, std::int64_t> committed_;
  std::vector<Event> decoded_;  //!< the record's event, moved out by the pipeline
};

}  // namespace spotstream
