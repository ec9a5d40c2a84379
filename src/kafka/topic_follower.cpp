#include "src/kafka/topic_follower.hpp"

#include <unistd.h>

#include <stdexcept>
#include <vector>

#include "src/kafka/kafka_conf.hpp"
#include "src/kafka/topic_reader.hpp"

namespace spotstream {

TopicFollower::TopicFollower(const Config& cfg, const std::string& topic, int timeout_ms) : topic_(topic) {
  partitions_ = partition_count(cfg, topic, timeout_ms);
  // A group id of its own only because librdkafka's consumer wants one: assign() joins nothing and
  // nothing is committed.
  auto conf = make_kafka_conf(cfg, ClientRole::Consumer,
                              {{"group.id", "spotstream-follower-" + std::to_string(getpid())},
                               {"enable.partition.eof", "true"}});
  std::string err;
  consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer_) throw std::runtime_error("topic follower: " + err);
  std::vector<RdKafka::TopicPartition*> parts;
  for (std::int32_t p = 0; p < partitions_; ++p) {
    parts.push_back(RdKafka::TopicPartition::create(topic, p, RdKafka::Topic::OFFSET_BEGINNING));
    next_[p] = 0;
  }
  const auto rc = consumer_->assign(parts);
  for (auto* p : parts) delete p;
  if (rc != RdKafka::ERR_NO_ERROR) throw std::runtime_error("topic follower: assign " + topic + ": " + RdKafka::err2str(rc));
}

TopicFollower::~TopicFollower() {
  if (consumer_) consumer_->close();
}

std::size_t TopicFollower::poll(std::size_t max, int timeout_ms, const MessageFn& fn) {
  std::size_t n = 0;
  int wait = timeout_ms;
  while (n < max) {
    std::unique_ptr<RdKafka::Message> m(consumer_->consume(wait));
    wait = 0;
    if (m->err() == RdKafka::ERR__TIMED_OUT) break;
    if (m->err() == RdKafka::ERR__PARTITION_EOF) {
      auto& next = next_[m->partition()];
      if (m->offset() > next) next = m->offset();
      continue;
    }
    if (m->err() != RdKafka::ERR_NO_ERROR) continue;  // transient (librdkafka retries); logged by its own callbacks
    next_[m->partition()] = m->offset() + 1;
    ++n;
    fn(m->partition(), std::string_view(m->key_pointer() ? static_cast<const char*>(m->key_pointer()) : "", m->key_len()),
       std::string_view(m->payload() ? static_cast<const char*>(m->payload()) : "", m->len()));
  }
  return n;
}

namespace {
// ListOffsets for every partition of `topic` at `which` (OFFSET_END: the log end, OFFSET_BEGINNING:
// the log start), in one request; the partitions it does not answer for are asked one by one.
std::map<std::int32_t, std::int64_t> offsets_at(RdKafka::KafkaConsumer& c, const std::string& topic,
                                                std::int32_t partitions, std::int64_t which, int timeout_ms) {
  std::map<std::int32_t, std::int64_t> out;
  std::vector<RdKafka::TopicPartition*> parts;
  for (std::int32_t p = 0; p < partitions; ++p) parts.push_back(RdKafka::TopicPartition::create(topic, p, which));
  if (c.offsetsForTimes(parts, timeout_ms) == RdKafka::ERR_NO_ERROR)
    for (const auto* tp : parts)
      if (tp->err() == RdKafka::ERR_NO_ERROR && tp->offset() >= 0) out[tp->partition()] = tp->offset();
  for (auto* tp : parts) delete tp;
  for (std::int32_t p = 0; p < partitions; ++p) {
    std::int64_t low = 0, high = 0;
    if (!out.contains(p) && c.query_watermark_offsets(topic, p, &low, &high, timeout_ms) == RdKafka::ERR_NO_ERROR)
      out[p] = which == RdKafka::Topic::OFFSET_BEGINNING ? low : high;
  }
  return out;
}
}  // namespace

std::map<std::int32_t, std::int64_t> TopicFollower::log_ends(int timeout_ms) {
  return offsets_at(*consumer_, topic_, partitions_, RdKafka::Topic::OFFSET_END, timeout_ms);
}

std::vector<bool> TopicFollower::empty_partitions(const std::string& topic, std::int32_t partitions, int timeout_ms) {
  const auto starts = offsets_at(*consumer_, topic, partitions, RdKafka::Topic::OFFSET_BEGINNING, timeout_ms);
  const auto ends = offsets_at(*consumer_, topic, partitions, RdKafka::Topic::OFFSET_END, timeout_ms);
  std::vector<bool> empty(static_cast<std::size_t>(std::max(partitions, 0)), false);
  for (const auto& [p, end] : ends)
    if (const auto s = starts.find(p); s != starts.end() && end <= s->second) empty[static_cast<std::size_t>(p)] = true;
  return empty;
}

bool TopicFollower::reached(const std::map<std::int32_t, std::int64_t>& ends) const {
  for (const auto& [p, end] : ends) {
    const auto it = next_.find(p);
    if (it == next_.end() || it->second < end) return false;
  }
  return true;
}

}  // namespace spotstream
