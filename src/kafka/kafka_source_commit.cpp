// KafkaSource: committing offsets, and reading them back, with what is owed kept beside them (in
// the commit's metadata, which the group coordinator stores with the offset).
#include <spdlog/spdlog.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <string_view>

#include "src/kafka/kafka_source.hpp"

namespace spotstream {

namespace {

constexpr std::string_view kOwedPrefix = "spotstream:owed_from=";

using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, decltype(&rd_kafka_topic_partition_list_destroy)>;

PartitionList make_list(int size) {
  return PartitionList(rd_kafka_topic_partition_list_new(size), &rd_kafka_topic_partition_list_destroy);
}

// The list frees the metadata (with free): it is allocated with malloc.
void set_owed(rd_kafka_topic_partition_t& p, std::int64_t owed_from) {
  const std::string text = std::string(kOwedPrefix) + std::to_string(owed_from);
  p.metadata = std::malloc(text.size());
  if (!p.metadata) throw std::bad_alloc();
  std::memcpy(p.metadata, text.data(), text.size());
  p.metadata_size = text.size();
}

// -1 when the metadata is not ours (another tool's, or none).
std::int64_t owed_of(const rd_kafka_topic_partition_t& p) {
  const std::string_view m(static_cast<const char*>(p.metadata), p.metadata ? p.metadata_size : 0);
  if (!m.starts_with(kOwedPrefix)) return -1;
  std::int64_t off = -1;
  const auto digits = m.substr(kOwedPrefix.size());
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), off);
  return ec == std::errc() && end == digits.data() + digits.size() && off >= 0 ? off : -1;
}

}  // namespace

bool KafkaSource::commit(const std::map<PartitionKey, std::int64_t>& offsets, bool sync,
                         const std::map<PartitionKey, std::int64_t>& owed_from) {
  if (offsets.empty()) return true;
  auto list = make_list(static_cast<int>(offsets.size()));
  for (const auto& [k, off] : offsets) {
    auto* p = rd_kafka_topic_partition_list_add(list.get(), k.first.c_str(), k.second);
    p->offset = off;
    if (const auto it = owed_from.find(k); it != owed_from.end()) set_owed(*p, it->second);
  }
  const auto rc = rd_kafka_commit(consumer_->c_ptr(), list.get(), sync ? 0 : 1);
  bool ok = rc == RD_KAFKA_RESP_ERR_NO_ERROR;
  for (int i = 0; sync && i < list->cnt; ++i) {
    const auto& p = list->elems[i];
    if (p.err == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    ok = false;
    spdlog::warn("commit {}[{}]@{} failed: {}", p.topic, p.partition, p.offset, rd_kafka_err2str(p.err));
  }
  if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) spdlog::warn("offset commit failed: {}", rd_kafka_err2str(rc));
  return ok;
}

RdKafka::ErrorCode KafkaSource::committed(RdKafka::KafkaConsumer* c, std::vector<RdKafka::TopicPartition*>& parts,
                                          std::map<PartitionKey, std::int64_t>& owed_from) {
  auto list = make_list(static_cast<int>(parts.size()));
  for (auto* p : parts) rd_kafka_topic_partition_list_add(list.get(), p->topic().c_str(), p->partition());
  const auto rc = rd_kafka_committed(c->c_ptr(), list.get(), 10000);
  if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) return static_cast<RdKafka::ErrorCode>(rc);
  for (auto* p : parts) {
    const auto* q = rd_kafka_topic_partition_list_find(list.get(), p->topic().c_str(), p->partition());
    p->set_offset(q && q->err == RD_KAFKA_RESP_ERR_NO_ERROR ? q->offset : RdKafka::Topic::OFFSET_INVALID);
    if (const auto owed = q ? owed_of(*q) : -1; owed >= 0 && owed < p->offset())
      owed_from[{p->topic(), p->partition()}] = owed;
  }
  return RdKafka::ERR_NO_ERROR;
}

}  // namespace spotstream
