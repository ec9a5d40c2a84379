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
  void rebalance_cb(RdKafka::KafkaConsumer* c, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& parts) override {
    const bool cooperative = c->rebalance_protocol() == "COOPERATIVE";
    const auto keys = keys_of(parts);
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      spdlog::info("assigned {} partition(s)", parts.size());
      src_.plan_replay(c, parts);
      src_.plan_warm_start(c, parts);
      RdKafka::Error* e = cooperative ? c->incremental_assign(parts) : nullptr;
      if (!cooperative) c->assign(parts);
      if (e) {
        spdlog::error("incremental assign failed: {}", e->str());
        delete e;
      }
      for (const auto& k : keys) src_.eof_[k] = false;
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
      for (const auto& k : keys) {
        src_.eof_.erase(k);
        src_.restore_until_.erase(k);
        src_.skip_before_.erase(k);
      }
    }
  }

 private:
  KafkaSource& src_;
  Listener& listener_;
};

void KafkaSource::plan_replay(RdKafka::KafkaConsumer* c, std::vector<RdKafka::TopicPartition*>& parts) {
  std::vector<RdKafka::TopicPartition*> replay;
  for (auto* p : parts)
    if (std::find(replay_topics_.begin(), replay_topics_.end(), p->topic()) != replay_topics_.end()) replay.push_back(p);
  if (replay.empty()) return;
  const auto rc = c->committed(replay, 10000);
  if (rc != RdKafka::ERR_NO_ERROR)
    spdlog::warn("cannot read committed offsets ({}): replaying state topics from the start of the log", RdKafka::err2str(rc));
  const bool latest = cfg_.get_string("consumer.offset_reset") == "latest";
  std::size_t n = 0;
  for (auto* p : replay) {
    std::int64_t committed = rc == RdKafka::ERR_NO_ERROR ? p->offset() : -1;
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
      restore_until_[{p->topic(), p->partition()}] = committed;
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
    restore_until_[tp] = resume.at(q->partition());
    if (qrc == RdKafka::ERR_NO_ERROR && q->err() == RdKafka::ERR_NO_ERROR && q->offset() >= 0) {
      p->set_offset(q->offset());
      ++by_time;
    } else {
      // The broker cannot seek by time (librdkafka's mock cluster answers -1): read from the
      // start and skip what is older than the warm start needs.
      p->set_offset(RdKafka::Topic::OFFSET_BEGINNING);
      skip_before_[tp] = from_time;
      ++by_scan;
    }
    delete q;
  }
  spdlog::info("warm start: {} partition(s) of {} re-read {} h of history before their resume point ({} by time, "
               "{} from the start of the log)", by_time + by_scan, warm_->topic, warm_->lookback_ms / 3'600'000,
               by_time, by_scan);
}

void KafkaSource::replay_finished(const PartitionKey& tp) {
  skip_before_.erase(tp);
  if (restore_until_.erase(tp) && restore_until_.empty()) spdlog::info("state rebuilt: replay finished, live from here");
}

KafkaSource::Position KafkaSource::position(const PartitionKey& tp, std::int64_t offset, std::int64_t timestamp) {
  auto it = restore_until_.find(tp);
  if (it == restore_until_.end()) return Position::Live;
  if (offset >= it->second) {
    replay_finished(tp);
    return Position::Live;
  }
  if (auto s = skip_before_.find(tp); s != skip_before_.end()) {
    if (timestamp < s->second) return Position::Skip;
    skip_before_.erase(s);  // in time order from here (a partition's timestamps are its producers')
  }
  return Position::Replay;
}

KafkaSource::KafkaSource(const Config& cfg, const std::vector<std::string>& topics, Listener& listener,
                         const std::vector<std::string>& replay_topics, std::optional<WarmStart> warm)
    : rebalancer_(std::make_unique<Rebalancer>(*this, listener)),
      replay_topics_(replay_topics),
      warm_(std::move(warm)),
      cfg_(cfg) {
  auto conf = make_kafka_conf(cfg, ClientRole::Consumer);
  std::string err;
  if (conf->set("rebalance_cb", static_cast<RdKafka::RebalanceCb*>(rebalancer_.get()), err) != RdKafka::Conf::CONF_OK)
    throw std::runtime_error("kafka consumer: " + err);
  consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer_) throw std::runtime_error("kafka consumer: " + err);
  const auto rc = consumer_->subscribe(topics);
  if (rc != RdKafka::ERR_NO_ERROR) throw std::runtime_error("kafka subscribe: " + RdKafka::err2str(rc));
}

KafkaSource::~KafkaSource() { close(); }

std::size_t KafkaSource::poll(std::size_t max, int timeout_ms, const std::function<void(RdKafka::Message&)>& fn) {
  std::size_t n = 0;
  while (n < max) {
    std::unique_ptr<RdKafka::Message> m(consumer_->consume(n == 0 ? timeout_ms : 0));
    switch (m->err()) {
      case RdKafka::ERR_NO_ERROR:
        eof_[{m->topic_name(), m->partition()}] = false;
        fn(*m);
        ++n;
        continue;
      case RdKafka::ERR__TIMED_OUT:
        return n;
      case RdKafka::ERR__PARTITION_EOF: {
        const PartitionKey tp{m->topic_name(), m->partition()};
        auto it = eof_.find(tp);
        if (it != eof_.end()) it->second = true;
        replay_finished(tp);
        continue;
      }
      default:
        // Transient broker/network errors are retried by librdkafka; report and carry on.
        spdlog::warn("kafka consumer: {}", m->errstr());
        return n;
    }
  }
  return n;
}

bool KafkaSource::all_at_eof() const {
  if (eof_.empty()) return false;
  for (const auto& [k, at_end] : eof_)
    if (!at_end) return false;
  return true;
}

bool KafkaSource::commit(const std::map<PartitionKey, std::int64_t>& offsets, bool sync) {
  if (offsets.empty()) return true;
  std::vector<RdKafka::TopicPartition*> parts;
  for (const auto& [k, off] : offsets) parts.push_back(RdKafka::TopicPartition::create(k.first, k.second, off));
  const auto rc = sync ? consumer_->commitSync(parts) : consumer_->commitAsync(parts);
  bool ok = rc == RdKafka::ERR_NO_ERROR;
  for (auto* p : parts) {
    if (sync && p->err() != RdKafka::ERR_NO_ERROR) {
      ok = false;
      spdlog::warn("commit {}[{}]@{} failed: {}", p->topic(), p->partition(), p->offset(), RdKafka::err2str(p->err()));
    }
    delete p;
  }
  if (rc != RdKafka::ERR_NO_ERROR) spdlog::warn("offset commit failed: {}", RdKafka::err2str(rc));
  return ok;
}

void KafkaSource::close() {
  if (closed_ || !consumer_) return;
  closed_ = true;
  consumer_->close();
}

}  // namespace spotstream
