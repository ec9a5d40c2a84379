#pragma once
//! Reads a whole topic, every partition from the beginning to its current end, without joining a
//! group or committing anything. For the demo summary, tools and tests; not for the live path.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "src/config/config.hpp"

namespace spotstream {

struct TopicRecord {
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::int64_t timestamp = 0;
  std::string key;
  std::string value;
};

//! Throws std::runtime_error if the topic cannot be read within timeout_ms. spot.risk progress marks
//! (keys starting with kRiskMarkKeyPrefix: control records, not data) are left out unless `with_marks`.
std::vector<TopicRecord> read_topic(const Config& cfg, const std::string& topic, int timeout_ms = 30000,
                                    bool with_marks = false);

//! How many partitions `topic` has (metadata). Throws std::runtime_error if it has no metadata
//! within timeout_ms.
std::int32_t partition_count(const Config& cfg, const std::string& topic, int timeout_ms = 10000);

//! The Kafka timestamp of the message at each given offset of `topic` (partition -> offset); a
//! partition whose message cannot be read within timeout_ms is left out. Joins no group.
std::map<std::int32_t, std::int64_t> message_timestamps(const Config& cfg, const std::string& topic,
                                                        const std::map<std::int32_t, std::int64_t>& offsets,
                                                        int timeout_ms = 10000);

//! The Kafka timestamp of the last message of each non-empty partition of `topic` now. Joins no
//! group. Throws std::runtime_error if the topic has no metadata within timeout_ms.
std::map<std::int32_t, std::int64_t> last_message_timestamps(const Config& cfg, const std::string& topic,
                                                             int timeout_ms = 10000);

}  // namespace spotstream
