#include "src/kafka/kafka_source.hpp"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "src/kafka/kafka_conf.hpp"
#include "src/kafka/topic_reader.hpp"

namespace spotstream {

namespace {
std::vector<PartitionKey> keys_of(const std::vector<RdKafka::TopicPartition*>& parts) {
  std::vector<PartitionKey> out;
  for (auto* p : parts) out.emplace_back(p->topic(), p->partition());
  return out;
}
}  // namespace

class KafkaSource::Rebalancer : public RdKafka::RebalanceCb {
 public:
  Rebalancer(KafkaSource& src, Listener& l) : src_(src), listener_(l) {}
  ~Rebalancer() override {
    for (auto& p : pending_)
      for (auto* tp : p.parts) delete tp;
  }

  void rebalance_cb(RdKafka::KafkaConsumer* c, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& parts) override {
    if (!src_.in_batch_) {
      handle(c, err, parts);
      return;
    }
    // Inside a batch read: messages taken before this point have not been routed yet. The change
    // waits until they are (librdkafka waits for the assign/unassign call), so that a revoked
    // partition's messages are processed and committed first, exactly as when read one by one.
    Pending p{err, {}};
    for (auto* tp : parts) p.parts.push_back(RdKafka::TopicPartition::create(tp->topic(), tp->partition(), tp->offset()));
    pending_.push_back(std::move(p));
  }

  //! Applies the changes deferred during the last batch read, in order.
  void apply_pending(RdKafka::KafkaConsumer* c) {
    while (!pending_.empty()) {
      Pending p = std::move(pending_.front());
      pending_.erase(pending_.begin());
      handle(c, p.err, p.parts);
      for (auto* tp : p.parts) delete tp;
    }
  }

 private:
  struct Pending {
    RdKafka::ErrorCode err;
    std::vector<RdKafka::TopicPartition*> parts;
  };

  void handle(RdKafka::KafkaConsumer* c, RdKafka::ErrorCode err, std::vector<RdKafka::TopicPartition*>& group_parts) {
    const bool cooperative = c->rebalance_protocol() == "COOPERATIVE";
    std::vector<RdKafka::TopicPartition*> created;
    auto parts = src_.with_followers(group_parts, created);
    const auto keys = keys_of(parts);
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      spdlog::info("assigned {} partition(s)", parts.size());
      for (const auto& k : keys) src_.assign_slot(k);
      src_.route_control_partitions(parts);
      src_.plan_replay(c, parts);
      src_.plan_warm_start(c, parts);
      RdKafka::Error* e = cooperative ? c->incremental_assign(parts) : nullptr;
      if (!cooperative) c->assign(parts);
      if (e) {
        spdlog::error("incremental assign failed: {}", e->str());
        delete e;
      }
      listener_.on_assigned(keys);
    } else {
      spdlog::info("revoking {} partition(s)", parts.size());
      listener_.on_revoking(keys);
      RdKafka::Error* e = cooperative ? c->incremental_unassign(parts) : nullptr;
      if (!cooperative) c->unassign();
      if (e) {
        spdlog::error("incremental unassign failed: {}", e->str());
        delete e;
      }
      for (const auto& k : keys) src_.free_slot(k);
    }
    for (auto* tp : created) delete tp;
  }

  KafkaSource& src_;
  Listener& listener_;
  std::vector<Pending> pending_;
};

std::vector<RdKafka::TopicPartition*> KafkaSource::with_followers(const std::vector<RdKafka::TopicPartition*>& parts,
                                                                  std::vector<RdKafka::TopicPartition*>& created) const {
  std::vector<RdKafka::TopicPartition*> all = parts;
  if (!co_) return all;
  for (auto* p : parts)
    if (p->topic() == co_->leader) {
      created.push_back(RdKafka::TopicPartition::create(co_->follower, p->partition()));
      all.push_back(created.back());
    }
  return all;
}

void KafkaSource::plan_replay(RdKafka::KafkaConsumer* c, std::vector<RdKafka::TopicPartition*>& parts) {
  std::vector<RdKafka::TopicPartition*> replay;
  for (auto* p : parts)
    if (std::find(replay_topics_.begin(), replay_topics_.end(), p->topic()) != replay_topics_.end()) replay.push_back(p);
  if (replay.empty()) return;
  std::map<PartitionKey, std::int64_t> owed;
  const auto rc = committed(c, replay, owed);
  if (rc != RdKafka::ERR_NO_ERROR)
    spdlog::warn("cannot read committed offsets ({}): replaying state topics from the start of the log", RdKafka::err2str(rc));
  const bool latest = cfg_.get_string("consumer.offset_reset") == "latest";
  std::size_t n = 0;
  for (auto* p : replay) {
    std::int64_t committed = rc == RdKafka::ERR_NO_ERROR ? p->offset() : -1;
    if (committed >= 0) expect_from({p->topic(), p->partition()}, committed);
    // A new group starting at the log end ("latest") still needs the state the log holds: all of
    // it is history, rebuilt without emitting.
    std::int64_t low = 0, high = 0;
    if (committed < 0 && latest &&
        c->query_watermark_offsets(p->topic(), p->partition(), &low, &high, 10000) == RdKafka::ERR_NO_ERROR)
      committed = high;
    // From the beginning: state (fleet membership, signals in force) is rebuilt from the log;
    // what lies before the committed offset is replayed without emitting anything.
    p->set_offset(RdKafka::Topic::OFFSET_BEGINNING);
    if (committed > 0) {
      const PartitionKey tp{p->topic(), p->partition()};
      const auto o = owed.find(tp);
      replay_from(tp, committed, kNoSkip, o == owed.end() ? -1 : o->second);
      ++n;
    }
  }
  if (n) spdlog::info("rebuilding state: replaying {} partition(s) of {} up to their committed offsets", n,
                      fmt::join(replay_topics_, ", "));
}

void KafkaSource::plan_warm_start(RdKafka::KafkaConsumer* c, std::vector<RdKafka::TopicPartition*>& parts) {
  if (!warm_) return;
  std::vector<RdKafka::TopicPartition*> window;
  for (auto* p : parts)
    if (p->topic() == warm_->topic) window.push_back(p);
  if (window.empty()) return;
  const auto rc = c->committed(window, 10000);
  const bool latest = cfg_.get_string("consumer.offset_reset") == "latest";
  // The resume point of each partition, and the offset of the last message before it.
  std::map<std::int32_t, std::int64_t> resume, before;
  for (auto* p : window) {
    std::int64_t low = 0, high = 0;
    if (c->query_watermark_offsets(p->topic(), p->partition(), &low, &high, 10000) != RdKafka::ERR_NO_ERROR) continue;
    std::int64_t r = rc == RdKafka::ERR_NO_ERROR ? p->offset() : -1;
    if (r >= 0) expect_from({p->topic(), p->partition()}, r);
    if (r < 0 && latest) r = high;
    if (r > low) {
      resume[p->partition()] = r;
      before[p->partition()] = r - 1;
    }
  }
  if (resume.empty()) return;
  // The time to go back from: that of the last message already consumed (or, for a new group
  // starting at the log end, the last one in the log).
  const auto times = message_timestamps(cfg_, warm_->topic, before);
  std::vector<RdKafka::TopicPartition*> query;
  for (auto* p : window) {
    const auto t = times.find(p->partition());
    if (t == times.end()) continue;
    query.push_back(RdKafka::TopicPartition::create(p->topic(), p->partition(), t->second - warm_->lookback_ms));
  }
  const auto qrc = query.empty() ? RdKafka::ERR_NO_ERROR : c->offsetsForTimes(query, 10000);
  std::size_t by_time = 0, by_scan = 0;
  for (auto* q : query) {
    const PartitionKey tp{q->topic(), q->partition()};
    const std::int64_t from_time = times.at(q->partition()) - warm_->lookback_ms;
    auto* p = *std::find_if(window.begin(), window.end(), [&](auto* w) { return w->partition() == q->partition(); });
    if (qrc == RdKafka::ERR_NO_ERROR && q->err() == RdKafka::ERR_NO_ERROR && q->offset() >= 0) {
      p->set_offset(q->offset());
      replay_from(tp, resume.at(q->partition()));
      ++by_time;
    } else {
      // The broker cannot seek by time (librdkafka's mock cluster answers -1): read from the
      // start and skip what is older than the warm start needs.
      p->set_offset(RdKafka::Topic::OFFSET_BEGINNING);
      replay_from(tp, resume.at(q->partition()), from_time);
      ++by_scan;
    }
    delete q;
  }
  spdlog::info("warm start: {} partition(s) of {} re-read {} h of history before their resume point ({} by time, "
               "{} from the start of the log)", by_time + by_scan, warm_->topic, warm_->lookback_ms / 3'600'000,
               by_time, by_scan);
}

void KafkaSource::replay_from(const PartitionKey& tp, std::int64_t resume, std::int64_t skip_before,
                              std::int64_t owed_from) {
  const auto i = slot_of(tp);
  if (i < 0) return;
  auto& s = slots_[static_cast<std::size_t>(i)];
  if (s.restore_until < 0) ++replaying_;
  s.restore_until = resume;
  s.skip_before = skip_before;
  s.owed_from = owed_from;
  if (owed_from >= 0)
    spdlog::info("{}[{}]: the last run stopped owing outputs of its events from offset {} on: they are delivered "
                 "as they are replayed", tp.first, tp.second, owed_from);
}

void KafkaSource::replay_finished(Slot& s) {
  if (s.restore_until < 0) return;
  s.restore_until = -1;
  s.skip_before = kNoSkip;
  s.owed_from = -1;
  if (--replaying_ == 0) spdlog::info("state rebuilt: replay finished, live from here");
}

KafkaSource::Slot* KafkaSource::slot_of_message(const rd_kafka_message_t& m, std::uint32_t& slot, std::uint32_t& topic) {
  // librdkafka keeps one topic handle per topic: match it once by name, then by pointer.
  auto h = std::find_if(topic_handles_.begin(), topic_handles_.end(), [&](const auto& e) { return e.first == m.rkt; });
  if (h == topic_handles_.end()) {
    const char* name = m.rkt ? rd_kafka_topic_name(m.rkt) : "";
    const auto t = input_index(name);
    if (t == inputs_.size()) return nullptr;
    topic_handles_.emplace_back(m.rkt, static_cast<std::uint32_t>(t));
    h = std::prev(topic_handles_.end());
  }
  topic = h->second;
  const auto& by_partition = slot_by_partition_[topic];
  const auto p = static_cast<std::size_t>(m.partition);
  if (m.partition < 0 || p >= by_partition.size() || by_partition[p] < 0) return nullptr;
  slot = static_cast<std::uint32_t>(by_partition[p]);
  return &slots_[slot];
}

KafkaSource::KafkaSource(const Config& cfg, std::vector<Input> inputs, Listener& listener,
                         const std::vector<std::string>& replay_topics, std::optional<WarmStart> warm,
                         std::optional<CoPartition> co_partition)
    : listener_(listener),
      rebalancer_(std::make_unique<Rebalancer>(*this, listener)),
      inputs_(std::move(inputs)),
      slot_by_partition_(inputs_.size()),
      replay_topics_(replay_topics),
      warm_(std::move(warm)),
      cfg_(cfg) {
  auto conf = make_kafka_conf(cfg, ClientRole::Consumer);
  std::string err;
  if (conf->set("rebalance_cb", static_cast<RdKafka::RebalanceCb*>(rebalancer_.get()), err) != RdKafka::Conf::CONF_OK)
    throw std::runtime_error("kafka consumer: " + err);
  consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer_) throw std::runtime_error("kafka consumer: " + err);
  queue_ = rd_kafka_queue_get_consumer(consumer_->c_ptr());
  open_control_queue();
  std::vector<std::string> subscribed;
  for (const auto& in : inputs_) subscribed.push_back(in.name);
  if (co_partition) {
    co_ = co_partition;
    try {
      const auto leader = partition_count(cfg, co_->leader), follower = partition_count(cfg, co_->follower);
      if (leader != follower) {
        spdlog::warn("{} has {} partitions and {} has {}: they cannot be assigned together, so with several "
                     "processes in the group a key's messages on both may reach different processes",
                     co_->follower, follower, co_->leader, leader);
        co_.reset();
      }
    } catch (const std::exception& e) {
      spdlog::warn("cannot read the partition counts of {} and {} ({}): assigning them independently",
                   co_->leader, co_->follower, e.what());
      co_.reset();
    }
    if (co_) {
      std::erase(subscribed, co_->follower);
      follower_topic_.reset(RdKafka::Topic::create(consumer_.get(), co_->follower, nullptr, err));
      if (!follower_topic_)
        spdlog::warn("cannot hold a handle on {} ({}): its partitions are read once the consumer next refreshes "
                     "its metadata", co_->follower, err);
    }
  }
  const auto rc = consumer_->subscribe(subscribed);
  if (rc != RdKafka::ERR_NO_ERROR) throw std::runtime_error("kafka subscribe: " + RdKafka::err2str(rc));
}

KafkaSource::~KafkaSource() {
  close();
  if (queue_) rd_kafka_queue_destroy(queue_);
}

void KafkaSource::apply_pending_rebalances() { rebalancer_->apply_pending(consumer_.get()); }

bool KafkaSource::take(const rd_kafka_message_t& m, const RecordFn& fn) {
  Record r;
  Slot* s = m.rkt ? slot_of_message(m, r.slot, r.topic) : nullptr;
  if (m.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (!s) return false;  // not assigned (any more): its owner reads it
    if (s->eof) {
      s->eof = false;
      eof_[s->key] = false;
    }
    r.partition = m.partition;
    r.offset = m.offset;
    if (s->expected >= 0 && r.offset > s->expected) check_gap(*s, r.offset);
    s->expected = r.offset + 1;
    rd_kafka_timestamp_type_t tstype;
    const std::int64_t ts = rd_kafka_message_timestamp(&m, &tstype);
    r.timestamp = tstype == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? 0 : ts;
    r.key = std::string_view(m.key ? static_cast<const char*>(m.key) : "", m.key ? m.key_len : 0);
    r.value = std::string_view(m.payload ? static_cast<const char*>(m.payload) : "", m.payload ? m.len : 0);
    if (s->restore_until >= 0) {
      if (r.offset >= s->restore_until) {
        replay_finished(*s);
      } else if (s->skip_before != kNoSkip && r.timestamp < s->skip_before) {
        r.position = Position::Skip;
      } else {
        s->skip_before = kNoSkip;  // in time order from here (a partition's timestamps are its producers')
        r.position = s->owed_from >= 0 && r.offset >= s->owed_from ? Position::ReplayOwing : Position::Replay;
      }
    }
    fn(r);
    return true;
  }
  if (m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
    if (s) {
      if (!s->eof) {
        s->eof = true;
        eof_[s->key] = true;
      }
      s->eof_offset = m.offset;
      replay_finished(*s);
    }
    return false;
  }
  // Transient broker/network errors are retried by librdkafka; report and carry on.
  spdlog::warn("kafka consumer: {}", rd_kafka_message_errstr(&m));
  return false;
}

void KafkaSource::close() {
  if (closed_ || !consumer_) return;
  closed_ = true;
  release_control_queue();
  consumer_->close();
}

}  // namespace spotstream
