#pragma once
//! Follows every partition of one topic from its beginning, without joining a group and without
//! committing (assign mode): for a compacted table topic that each process reads in full, as Kafka
//! Streams reads a global table. Owned by one thread (the caller of poll and caught_up).
#include <librdkafka/rdkafkacpp.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "src/config/config.hpp"

namespace spotstream {

class TopicFollower {
 public:
  using MessageFn = std::function<void(std::int32_t partition, std::string_view key, std::string_view value)>;

  //! Throws std::runtime_error when the topic has no metadata within timeout_ms.
  TopicFollower(const Config& cfg, const std::string& topic, int timeout_ms = 10000);
  ~TopicFollower();

  std::int32_t partitions() const { return partitions_; }
  //! Serves up to `max` messages, waiting at most timeout_ms for the first; returns how many.
  std::size_t poll(std::size_t max, int timeout_ms, const MessageFn& fn);
  //! Each partition's log end now (asks the broker); a partition it cannot answer for is left out.
  std::map<std::int32_t, std::int64_t> log_ends(int timeout_ms = 5000);
  //! Which of the first `partitions` partitions of any topic hold no message now (two requests to
  //! the broker). A partition it does not answer for within timeout_ms counts as not empty.
  std::vector<bool> empty_partitions(const std::string& topic, std::int32_t partitions, int timeout_ms = 5000);
  //! Every partition has been read up to `ends` (from log_ends).
  bool reached(const std::map<std::int32_t, std::int64_t>& ends) const;

 private:
  std::string topic_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::int32_t partitions_ = 0;
  std::map<std::int32_t, std::int64_t> next_;  //!< partition -> offset of the next message to read
};

}  // namespace spotstream
