#pragma once
//! A consumer-group member with manual commits. Partition assignment changes reach a Listener
//! from inside poll(), on the calling thread, before librdkafka takes the partitions away, so the
//! listener can finish in-flight work and commit first.
//! Owned by one thread (the runtime's source thread).
#include <librdkafka/rdkafkacpp.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "src/config/config.hpp"
#include "src/core/event.hpp"

namespace spotstream {

class KafkaSource {
 public:
  struct Listener {
    virtual ~Listener() = default;
    virtual void on_assigned(const std::vector<PartitionKey>& parts) = 0;
    //! Called before `parts` are revoked: finish their in-flight work and commit.
    virtual void on_revoking(const std::vector<PartitionKey>& parts) = 0;
  };

  //! A windowed input (the price topic): on assignment each of its partitions first re-reads the
  //! `lookback_ms` of time before its resume point, by the messages' Kafka timestamps, so that its
  //! windows are full before anything is emitted (warm start). The resume point is the committed
  //! offset, or for a group without one the log end under auto.offset.reset=latest (with
  //! "earliest" the whole log is read live: a backtest).
  struct WarmStart {
    std::string topic;
    std::int64_t lookback_ms = 0;
  };
  //! Where a message stands in its partition's warm start.
  enum class Position {
    Live,    //!< new: process and emit
    Replay,  //!< processed before a restart, or history before the resume point: rebuild state only
    Skip,    //!< older than the warm start needs (only where the broker cannot seek by time)
  };

  //! `replay_topics`: changelog-like inputs whose state must be rebuilt on assignment: their
  //! partitions are read from the beginning, and messages before the group's committed offset are
  //! replays.
  KafkaSource(const Config& cfg, const std::vector<std::string>& topics, Listener& listener,
              const std::vector<std::string>& replay_topics = {}, std::optional<WarmStart> warm = {});
  ~KafkaSource();

  //! Takes up to `max` messages, waiting at most `timeout_ms` for the first. Calls `fn` for each.
  std::size_t poll(std::size_t max, int timeout_ms, const std::function<void(RdKafka::Message&)>& fn);
  //! True when partitions are assigned and every one has been read to its end.
  bool all_at_eof() const;
  //! Commits the given next-offsets; sync waits for the broker's answer. Returns false on error.
  bool commit(const std::map<PartitionKey, std::int64_t>& offsets, bool sync);
  //! Leaves the group (revoking triggers the listener one last time).
  void close();
  const std::map<PartitionKey, bool>& assignment() const { return eof_; }
  //! True while some assigned partition is still being replayed.
  bool replaying() const { return !restore_until_.empty(); }
  //! Whether this message is new, a replay (its offset is below the resume point found when its
  //! partition was assigned), or to be skipped (before the warm start's time, read only because
  //! the broker could not seek by time).
  Position position(const PartitionKey& tp, std::int64_t offset, std::int64_t timestamp);

 private:
  class Rebalancer;
  void plan_replay(RdKafka::KafkaConsumer* c, std::vector<RdKafka::TopicPartition*>& parts);
  void plan_warm_start(RdKafka::KafkaConsumer* c, std::vector<RdKafka::TopicPartition*>& parts);
  void replay_finished(const PartitionKey& tp);
  std::unique_ptr<Rebalancer> rebalancer_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::map<PartitionKey, bool> eof_;  //!< assigned partitions -> read to end?
  std::vector<std::string> replay_topics_;
  std::map<PartitionKey, std::int64_t> restore_until_;  //!< replaying partitions -> resume offset
  std::optional<WarmStart> warm_;
  std::map<PartitionKey, std::int64_t> skip_before_;  //!< partitions read from the start -> time filter
  Config cfg_;
  bool closed_ = false;
};

}  // namespace spotstream
