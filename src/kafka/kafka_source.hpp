#pragma once
//! A consumer-group member with manual commits. Partition assignment changes reach a Listener
//! from inside poll(), on the calling thread, before librdkafka takes the partitions away, so the
//! listener can finish in-flight work and commit first.
//! Each assigned partition has a small dense index (its slot) for as long as it is assigned, so
//! that per-partition state is an array access per message rather than a lookup by name.
//! Owned by one thread (the runtime's source thread).
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/config/config.hpp"
#include "src/core/event.hpp"
#include "src/runtime/event_source.hpp"

namespace spotstream {

class KafkaSource : public EventSource {
 public:
  //! A windowed input (the price topic): on assignment each of its partitions first re-reads the
  //! `lookback_ms` of time before its resume point, by the messages' Kafka timestamps, so that its
  //! windows are full before anything is emitted (warm start). The resume point is the committed
  //! offset, or for a group without one the log end under auto.offset.reset=latest (with
  //! "earliest" the whole log is read live: a backtest).
  struct WarmStart {
    std::string topic;
    std::int64_t lookback_ms = 0;
  };
  //! Two topics keyed alike (same key, same partitioner, same partition count): partition p of
  //! `follower` is assigned with partition p of `leader` and taken away with it, so that every
  //! key's messages on both topics reach the same process. The follower is not subscribed to: the
  //! group assigns the leader, this source adds the follower (librdkafka lets an application
  //! assign any partition; offsets are committed through the group all the same). When the
  //! partition counts differ (or cannot be read), both are subscribed to and assigned
  //! independently, with a warning.
  struct CoPartition {
    std::string leader, follower;
  };

  //! `topics` are the inputs (Record::topic indexes them). `replay_topics`: changelog-like inputs whose state must be rebuilt on assignment: their
  //! partitions are read from the beginning, and messages before the group's committed offset are
  //! replays.
  KafkaSource(const Config& cfg, std::vector<Input> topics, Listener& listener,
              const std::vector<std::string>& replay_topics = {}, std::optional<WarmStart> warm = {},
              std::optional<CoPartition> co_partition = {});
  ~KafkaSource() override;

  const std::vector<Input>& inputs() const override { return inputs_; }

  //! Takes up to `max` messages, waiting at most `timeout_ms` for the first. Calls `fn` for each.
  //! Rebalances reach the Listener from inside this call, between two messages.
  std::size_t poll(std::size_t max, int timeout_ms, const RecordFn& fn) override;
  //! True when partitions are assigned and every one has been read to its end.
  bool all_at_eof() const override;
  //! Checks each partition marked as read to its end against the high watermark of librdkafka's
  //! latest fetch from it (updated by every fetch, whether or not this thread consumes): one with
  //! more messages on the broker, fetched but still queued behind others or not fetched yet, is
  //! no longer at its end. The end-of-partition event alone goes stale while messages queue up
  //! behind other partitions' (a source held back by a slow sink). Call before reading
  //! assignment() for decisions.
  void confirm_ends() override;
  std::size_t warming_partitions() const override { return replaying_; }
  //! From the high watermark of librdkafka's latest fetch of each partition (no broker request).
  std::vector<std::pair<PartitionKey, std::int64_t>> lags() const override;
  //! Commits the given next-offsets; sync waits for the broker's answer. Returns false on error.
  //! `owed_from` goes in the commit's metadata, which the group coordinator keeps with the offset.
  bool commit(const std::map<PartitionKey, std::int64_t>& offsets, bool sync,
              const std::map<PartitionKey, std::int64_t>& owed_from) override;
  bool keeps_owed() const override { return true; }
  //! Leaves the group (revoking triggers the listener one last time).
  void close() override;
  //! Assigned partitions -> read to their end? Kept up to date on assignment changes and on
  //! end-of-partition transitions only, never per message.
  const std::map<PartitionKey, bool>& assignment() const override { return eof_; }
  //! True while some assigned partition is still being replayed.
  bool replaying() const { return replaying_ > 0; }
  //! The partition a slot stands for (valid while it is assigned).
  const PartitionKey& key(std::uint32_t slot) const override { return slots_[slot].key; }
  //! The slot of an assigned partition; -1 when it is not assigned.
  std::int64_t slot_of(const PartitionKey& tp) const override;
  //! Slots are below this bound.
  std::size_t slot_bound() const override { return slots_.size(); }
  //! True when a CoPartition was asked for and is in effect (partition counts equal).
  bool co_partitioned() const { return co_.has_value(); }
  //! The group metadata (generation, member) to send consumed offsets to a transaction with.
  std::unique_ptr<RdKafka::ConsumerGroupMetadata> group_metadata() const {
    return std::unique_ptr<RdKafka::ConsumerGroupMetadata>(consumer_->groupMetadata());
  }

 private:
  class Rebalancer;
  static constexpr std::int64_t kNoSkip = std::numeric_limits<std::int64_t>::min();
  struct Slot {
    PartitionKey key;
    bool assigned = false;
    bool eof = false;
    std::int64_t eof_offset = -1;  //!< the offset at which the end was reached
    //! The offset the next message should have: after the last one read, or at first the resume
    //! point (committed offset) when one is known; -1 when unknown. A message beyond it is checked
    //! against the log start for messages lost to retention.
    std::int64_t expected = -1;
    std::int64_t restore_until = -1;   //!< replaying: the resume offset; -1 when live
    std::int64_t skip_before = kNoSkip;  //!< read from the start: skip messages older than this
    std::int64_t owed_from = -1;  //!< replaying: from here the last run still owed outputs; -1: none
  };
  //! `parts` plus the follower partitions of its leader partitions (created: the caller deletes
  //! them), so that followers are assigned, replayed and revoked with their leaders.
  std::vector<RdKafka::TopicPartition*> with_followers(const std::vector<RdKafka::TopicPartition*>& parts,
                                                      std::vector<RdKafka::TopicPartition*>& created) const;
  //! The assignment changes deferred while a batch was read (in_batch_), applied in order.
  void apply_pending_rebalances();
  void open_control_queue();
  //! Stops the forwarding, drops what is queued and destroys the queue (before the consumer closes).
  void release_control_queue();
  //! Forwards the partitions of control inputs (every input but prices) among `parts` to the
  //! control queue; called before they are assigned.
  void route_control_partitions(const std::vector<RdKafka::TopicPartition*>& parts);
  void plan_replay(RdKafka::KafkaConsumer* c, std::vector<RdKafka::TopicPartition*>& parts);
  void plan_warm_start(RdKafka::KafkaConsumer* c, std::vector<RdKafka::TopicPartition*>& parts);
  void replay_from(const PartitionKey& tp, std::int64_t resume, std::int64_t skip_before = kNoSkip,
                   std::int64_t owed_from = -1);
  //! KafkaConsumer::committed (offsets set on `parts`), and where the commits recorded owed outputs.
  static RdKafka::ErrorCode committed(RdKafka::KafkaConsumer* c, std::vector<RdKafka::TopicPartition*>& parts,
                                      std::map<PartitionKey, std::int64_t>& owed_from);
  void replay_finished(Slot& s);
  //! The committed offset `tp` resumes from: its first message should be there (Slot::expected).
  void expect_from(const PartitionKey& tp, std::int64_t offset);
  //! The index of the input called `name`; inputs_.size() when there is none.
  std::size_t input_index(std::string_view name) const;
  std::uint32_t assign_slot(const PartitionKey& tp);
  void free_slot(const PartitionKey& tp);
  //! A message at `offset` when `s.expected` was due: reports the offsets below the partition's log
  //! start that were skipped (a gap above it is compaction or transaction markers, not loss).
  void check_gap(Slot& s, std::int64_t offset);
  //! Hands one message (or end-of-partition event) over; true for a message passed to `fn`.
  bool take(const rd_kafka_message_t& m, const RecordFn& fn);
  //! The slot of a message's partition, or nullptr when it is not (or no longer) assigned.
  Slot* slot_of_message(const rd_kafka_message_t& m, std::uint32_t& slot, std::uint32_t& topic);
  Listener& listener_;
  std::unique_ptr<Rebalancer> rebalancer_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  rd_kafka_queue_t* queue_ = nullptr;  //!< the consumer's queue (messages, rebalances, errors)
  //! The control inputs' partitions forward here (consumer.control_queue); null when off.
  rd_kafka_queue_t* control_ = nullptr;
  std::map<PartitionKey, rd_kafka_queue_t*> control_partitions_;  //!< forwarded to control_
  std::vector<rd_kafka_message_t*> batch_;
  bool in_batch_ = false;  //!< inside a batch read: rebalances wait until its messages are routed
  std::vector<Input> inputs_;
  std::map<PartitionKey, bool> eof_;  //!< assigned partitions -> read to end?
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
  std::vector<std::vector<std::int64_t>> slot_by_partition_;  //!< [topic][partition] -> slot, -1 if none
  std::vector<std::pair<const rd_kafka_topic_t*, std::uint32_t>> topic_handles_;  //!< librdkafka's -> ours
  std::size_t replaying_ = 0;  //!< slots with a resume offset still ahead
  std::vector<std::string> replay_topics_;
  std::optional<WarmStart> warm_;
  std::optional<CoPartition> co_;  //!< set only while in effect
  //! A handle on the follower topic, held from the start: without one the consumer learns where
  //! its partitions live only at its next periodic metadata refresh, so the follower's partitions
  //! were read about a second after every assignment, behind the prices.
  std::unique_ptr<RdKafka::Topic> follower_topic_;
  Config cfg_;
  bool closed_ = false;
};

}  // namespace spotstream
