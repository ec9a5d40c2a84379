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
#include <string>
#include <utility>
#include <vector>

#include "src/config/config.hpp"

namespace spotstream {

using PartitionKey = std::pair<std::string, std::int32_t>;

class KafkaSource {
 public:
  struct Listener {
    virtual ~Listener() = default;
    virtual void on_assigned(const std::vector<PartitionKey>& parts) = 0;
    //! Called before `parts` are revoked: finish their in-flight work and commit.
    virtual void on_revoking(const std::vector<PartitionKey>& parts) = 0;
  };

  //! `replay_topics`: changelog-like inputs whose state must be rebuilt on assignment: their
  //! partitions are read from the beginning, and messages before the group's committed offset are
  //! flagged as replays (see restore_until()).
  KafkaSource(const Config& cfg, const std::vector<std::string>& topics, Listener& listener,
              const std::vector<std::string>& replay_topics = {});
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
  //! Whether this message was already processed (and its outputs delivered) before: its offset is
  //! below the committed offset found when its partition was assigned.
  bool is_replay(const PartitionKey& tp, std::int64_t offset);

 private:
  class Rebalancer;
  void plan_replay(RdKafka::KafkaConsumer* c, std::vector<RdKafka::TopicPartition*>& parts);
  std::unique_ptr<Rebalancer> rebalancer_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::map<PartitionKey, bool> eof_;  //!< assigned partitions -> read to end?
  std::vector<std::string> replay_topics_;
  std::map<PartitionKey, std::int64_t> restore_until_;  //!< replaying partitions -> committed offset
  bool closed_ = false;
};

}  // namespace spotstream
