#include "src/kafka/topic_reader.hpp"

#include <librdkafka/rdkafkacpp.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <set>
#include <stdexcept>

#include "src/codec/json_encoder.hpp"
#include "src/kafka/kafka_conf.hpp"

namespace spotstream {

namespace {

// An assign()-mode consumer under a group of its own: it never commits, so it disturbs no group.
std::unique_ptr<RdKafka::KafkaConsumer> reader(const Config& cfg) {
  auto conf = make_kafka_conf(cfg, ClientRole::Consumer,
                              {{"group.id", "spotstream-reader-" + std::to_string(getpid())},
                               {"enable.partition.eof", "true"}});
  std::string err;
  std::unique_ptr<RdKafka::KafkaConsumer> c(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!c) throw std::runtime_error("topic reader: " + err);
  return c;
}

// The partition ids of `topic` (throws when it has no metadata within timeout_ms).
std::vector<std::int32_t> partition_ids(RdKafka::KafkaConsumer& c, const std::string& topic, int timeout_ms) {
  std::string err;
  std::unique_ptr<RdKafka::Topic> t(RdKafka::Topic::create(&c, topic, nullptr, err));
  RdKafka::Metadata* md = nullptr;
  if (!t || c.metadata(false, t.get(), &md, timeout_ms) != RdKafka::ERR_NO_ERROR || !md || md->topics()->empty() ||
      md->topics()->at(0)->err() != RdKafka::ERR_NO_ERROR) {
    delete md;
    throw std::runtime_error("topic reader: no metadata for " + topic);
  }
  std::unique_ptr<RdKafka::Metadata> owner(md);
  std::vector<std::int32_t> ids;
  for (const auto* p : *md->topics()->at(0)->partitions()) ids.push_back(p->id());
  return ids;
}

}  // namespace

std::int32_t partition_count(const Config& cfg, const std::string& topic, int timeout_ms) {
  auto c = reader(cfg);
  const auto n = static_cast<std::int32_t>(partition_ids(*c, topic, timeout_ms).size());
  c->close();
  return n;
}

std::map<std::int32_t, std::int64_t> message_timestamps(const Config& cfg, const std::string& topic,
                                                        const std::map<std::int32_t, std::int64_t>& offsets,
                                                        int timeout_ms) {
  std::map<std::int32_t, std::int64_t> out;
  if (offsets.empty()) return out;
  auto c = reader(cfg);
  std::vector<RdKafka::TopicPartition*> parts;
  for (const auto& [p, off] : offsets) parts.push_back(RdKafka::TopicPartition::create(topic, p, off));
  c->assign(parts);
  for (auto* p : parts) delete p;
  std::set<std::int32_t> pending;
  for (const auto& [p, off] : offsets) pending.insert(p);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!pending.empty() && std::chrono::steady_clock::now() < deadline) {
    std::unique_ptr<RdKafka::Message> m(c->consume(100));
    if (m->err() == RdKafka::ERR__PARTITION_EOF) {
      pending.erase(m->partition());
    } else if (m->err() == RdKafka::ERR_NO_ERROR && pending.erase(m->partition())) {
      out[m->partition()] = m->timestamp().timestamp;
    }
  }
  c->close();
  return out;
}

std::map<std::int32_t, std::int64_t> last_message_timestamps(const Config& cfg, const std::string& topic, int timeout_ms) {
  std::map<std::int32_t, std::int64_t> last;
  {
    auto c = reader(cfg);
    for (const auto id : partition_ids(*c, topic, timeout_ms)) {
      std::int64_t low = 0, high = 0;
      if (c->query_watermark_offsets(topic, id, &low, &high, timeout_ms) == RdKafka::ERR_NO_ERROR && high > low)
        last[id] = high - 1;
    }
    c->close();
  }
  return message_timestamps(cfg, topic, last, timeout_ms);
}

std::vector<TopicRecord> read_topic(const Config& cfg, const std::string& topic, int timeout_ms, bool with_marks) {
  auto c = reader(cfg);
  std::vector<RdKafka::TopicPartition*> parts;
  std::set<std::int32_t> pending;
  for (const auto id : partition_ids(*c, topic, timeout_ms)) {
    parts.push_back(RdKafka::TopicPartition::create(topic, id, RdKafka::Topic::OFFSET_BEGINNING));
    pending.insert(id);
  }
  c->assign(parts);
  for (auto* p : parts) delete p;

  std::vector<TopicRecord> out;
  std::map<std::int32_t, std::int64_t> expected;  // the next offset due per partition
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!pending.empty()) {
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("topic reader: timed out reading " + topic);
    std::unique_ptr<RdKafka::Message> m(c->consume(200));
    if (m->err() == RdKafka::ERR__PARTITION_EOF) {
      pending.erase(m->partition());
    } else if (m->err() == RdKafka::ERR_NO_ERROR) {
      TopicRecord r;
      r.partition = m->partition();
      r.offset = m->offset();
      if (auto e = expected.find(r.partition); e != expected.end() && r.offset > e->second) {
        // A gap below the log start: retention removed messages while this reader was behind and
        // the offset reset skipped them (above it: compaction or transaction markers).
        std::int64_t low = -1, high = -1;
        c->get_watermark_offsets(topic, r.partition, &low, &high);
        if (e->second < low)
          throw std::runtime_error("topic reader: lost " + std::to_string(std::min(r.offset, low) - e->second) +
                                   " message(s) of " + topic + "[" + std::to_string(r.partition) + "] from offset " +
                                   std::to_string(e->second) + ": the broker removed them before they were read");
      }
      expected[r.partition] = r.offset + 1;
      r.timestamp = m->timestamp().timestamp;
      if (m->key_pointer()) r.key.assign(static_cast<const char*>(m->key_pointer()), m->key_len());
      if (!with_marks && is_risk_mark_key(r.key)) continue;
      if (m->payload()) r.value.assign(static_cast<const char*>(m->payload()), m->len());
      out.push_back(std::move(r));
    }
  }
  c->close();
  return out;
}

}  // namespace spotstream
