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

  KafkaSource(const Config& cfg, const std::vector<std::string>& topics, Listener& listener);
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

 private:
  class Rebalancer;
  std::unique_ptr<Rebalancer> rebalancer_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::map<PartitionKey, bool> eof_;  //!< assigned partitions -> read to end?
  bool closed_ = false;
};

}  // namespace spotstream
