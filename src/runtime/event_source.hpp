#pragma once
//! Where a pipeline's input comes from: a Kafka consumer-group member (src/kafka/kafka_source), or
//! events already in memory (MemorySource: files and synthetic markets replayed in process). The
//! pipeline reads it on its source thread only, through poll(); partitions are numbered by dense
//! slots while they are assigned, so per-partition state is an array access per message.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "src/codec/event_decoder.hpp"
#include "src/core/event.hpp"

namespace spotstream {

class EventSource {
 public:
  //! Told of assignment changes from inside poll(), on the calling thread, before a partition is
  //! taken away, so the listener can finish in-flight work and commit first.
  struct Listener {
    virtual ~Listener() = default;
    virtual void on_assigned(const std::vector<PartitionKey>& parts) = 0;
    //! Called before `parts` are revoked: finish their in-flight work and commit.
    virtual void on_revoking(const std::vector<PartitionKey>& parts) = 0;
    //! Offsets [from, to) of `tp` were removed (retention) before they were read.
    virtual void on_lost(const PartitionKey& tp, std::int64_t from, std::int64_t to) { (void)tp, (void)from, (void)to; }
  };

  //! Where a message stands in its partition's warm start.
  enum class Position {
    Live,    //!< new: process and emit
    Replay,  //!< processed before a restart, or history before the resume point: rebuild state only
    //! Processed before a restart by a run that stopped owing some of its outputs (it committed
    //! where they start: ShardLogic::owed_from): rebuild state, and deliver what is owed.
    ReplayOwing,
    Skip,    //!< older than the warm start needs (only where the broker cannot seek by time)
  };

  //! One message as poll() hands it over; the views are valid only during the callback.
  struct Record {
    std::uint32_t slot = 0;   //!< the partition's dense index while it is assigned (see key())
    std::uint32_t topic = 0;  //!< index into inputs()
    std::int32_t partition = 0;
    std::int64_t offset = 0;
    std::int64_t timestamp = 0;  //!< the message's time (Kafka: CreateTime as the producer set it); 0 if none
    std::string_view key, value;
    Position position = Position::Live;
    //! Events already decoded (a source reading files decodes them as it reads): routed as they
    //! are, moved out by the pipeline; `key` and `value` are then empty. Null: decode `value`.
    std::vector<Event>* decoded = nullptr;
  };
  using RecordFn = std::function<void(const Record&)>;

  //! One input: its name (the topic) and what its messages hold. Record::topic indexes these.
  struct Input {
    std::string name;
    InputKind kind;
  };

  virtual ~EventSource() = default;
  virtual const std::vector<Input>& inputs() const = 0;
  //! Takes up to `max` messages, waiting at most `timeout_ms` for the first. Calls `fn` for each.
  //! Assignment changes reach the Listener from inside this call, between two messages.
  virtual std::size_t poll(std::size_t max, int timeout_ms, const RecordFn& fn) = 0;
  //! True when partitions are assigned and every one has been read to its end.
  virtual bool all_at_eof() const = 0;
  //! Hands messages over in event-time order across all partitions (a replay sorted by time): an
  //! event is then routed after every event stamped before it, and nothing needs holding back.
  virtual bool event_time_ordered() const { return false; }
  //! Re-checks which partitions are read to their end (before assignment(); the pipeline calls it
  //! at the start of a poll round, at most every Pipeline::kEndsCheckIntervalMs).
  virtual void confirm_ends() {}
  //! Assigned partitions whose history before the resume point is still being re-read (warm start).
  virtual std::size_t warming_partitions() const { return 0; }
  //! Per assigned partition, the messages on the broker not read yet, as far as the source knows
  //! without asking the broker (partitions whose position or end is unknown are left out).
  virtual std::vector<std::pair<PartitionKey, std::int64_t>> lags() const { return {}; }
  //! Commits the given next-offsets; sync waits for the answer. False on error. `owed_from`: for
  //! some of those partitions, the offset from which the events still owe outputs (kept with the
  //! commit where keeps_owed(); a later commit of the partition without one clears it).
  virtual bool commit(const std::map<PartitionKey, std::int64_t>& offsets, bool sync,
                      const std::map<PartitionKey, std::int64_t>& owed_from) = 0;
  //! Whether commit() keeps `owed_from` for the next run, which then reads the events from there
  //! as Position::ReplayOwing.
  virtual bool keeps_owed() const { return false; }
  //! Gives the partitions up (revoking reaches the listener one last time).
  virtual void close() = 0;
  //! Assigned partitions -> read to their end?
  virtual const std::map<PartitionKey, bool>& assignment() const = 0;
  //! The partition a slot stands for (valid while it is assigned).
  virtual const PartitionKey& key(std::uint32_t slot) const = 0;
  //! The slot of an assigned partition; -1 when it is not assigned.
  virtual std::int64_t slot_of(const PartitionKey& tp) const = 0;
  //! Slots are below this bound.
  virtual std::size_t slot_bound() const = 0;
};

//! Makes the pipeline's source once it runs, with the pipeline as its listener.
using SourceFactory = std::function<std::unique_ptr<EventSource>(EventSource::Listener&)>;

}  // namespace spotstream
