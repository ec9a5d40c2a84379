#include "src/kafka/kafka_conf.hpp"

#include <spdlog/spdlog.h>

namespace spotstream {

namespace {

// librdkafka's logs and client-level errors, through the process's logger: one format, one level
// setting, instead of librdkafka's own "%3|..." lines on stderr. Called from librdkafka threads;
// spdlog is thread-safe. librdkafka already folds identical repeated errors.
class KafkaLog : public RdKafka::EventCb {
 public:
  void event_cb(RdKafka::Event& e) override {
    switch (e.type()) {
      case RdKafka::Event::EVENT_LOG: {
        // FAIL lines repeat what the error event below reports; CONFWARN says a shared kafka.* key
        // applies to the other client role only, which is how the kafka.* block is meant to work.
        const bool echo = e.fac() == "FAIL" || e.fac() == "CONFWARN";
        spdlog::log(echo ? spdlog::level::debug : level_of(e.severity()), "kafka {}: {}", e.fac(), e.str());
        break;
      }
      case RdKafka::Event::EVENT_ERROR:
        spdlog::log(e.fatal() ? spdlog::level::critical : spdlog::level::warn, "kafka: {}{}",
                    RdKafka::err2str(e.err()), e.str().empty() ? "" : " (" + e.str() + ")");
        break;
      default:
        break;
    }
  }

 private:
  static spdlog::level::level_enum level_of(RdKafka::Event::Severity s) {
    if (s <= RdKafka::Event::EVENT_SEVERITY_CRITICAL) return spdlog::level::critical;
    if (s == RdKafka::Event::EVENT_SEVERITY_ERROR) return spdlog::level::err;
    if (s == RdKafka::Event::EVENT_SEVERITY_WARNING) return spdlog::level::warn;
    if (s <= RdKafka::Event::EVENT_SEVERITY_INFO) return spdlog::level::info;
    return spdlog::level::debug;
  }
};

KafkaLog& kafka_log() {
  static KafkaLog log;
  return log;
}

}  // namespace

void set_kafka_property(RdKafka::Conf& conf, const std::string& key, const std::string& value) {
  std::string err;
  if (conf.set(key, value, err) != RdKafka::Conf::CONF_OK) throw ConfigError("kafka." + key + ": " + err);
}

std::unique_ptr<RdKafka::Conf> make_kafka_conf(const Config& cfg, ClientRole role,
                                               const std::map<std::string, std::string>& role_defaults) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string err;
  if (conf->set("event_cb", static_cast<RdKafka::EventCb*>(&kafka_log()), err) != RdKafka::Conf::CONF_OK)
    throw ConfigError("kafka event_cb: " + err);
  std::map<std::string, std::string> props;
  // Recover quickly when a broker comes back (FACTS.md: mock cluster fault injection).
  props["reconnect.backoff.max.ms"] = "1000";
  props["client.id"] = "spotstream";
  if (role == ClientRole::Producer) {
    props["enable.idempotence"] = "true";
    props["linger.ms"] = "5";
    props["compression.type"] = "lz4";
    props["message.max.bytes"] = std::to_string(kMaxMessageBytes);
  } else {
    props["enable.auto.commit"] = "false";
    props["enable.auto.offset.store"] = "false";
    props["enable.partition.eof"] = "true";
    props["partition.assignment.strategy"] = "cooperative-sticky";
    props["session.timeout.ms"] = "10000";
    props["heartbeat.interval.ms"] = "1000";
    props["group.id"] = cfg.get_string("consumer.group");
    props["auto.offset.reset"] = cfg.get_string("consumer.offset_reset");
    props["fetch.max.bytes"] = "52428800";
    props["max.partition.fetch.bytes"] = "4194304";
    // librdkafka compares both bounds with the one queue every assigned partition shares, and a
    // fetcher stopped by either resumes only at the broker thread's next wake-up. A catch-up over
    // many partitions brings tens of MB per fetch, so librdkafka's 64 MiB would hold under two
    // fetches and the source thread would wait for the fetcher (bench/README.md, row 8). With
    // 256 MiB the message count binds for price ticks; the byte bound is for large messages.
    props["queued.min.messages"] = "1000000";
    props["queued.max.messages.kbytes"] = "262144";
  }
  for (const auto& [k, v] : role_defaults) props[k] = v;
  for (const auto& [k, v] : cfg.kafka_properties()) props[k] = v;
  for (const auto& [k, v] : props) {
    // A consumer-only key on the producer (or the reverse) is not an error: librdkafka ignores it
    // with a warning, which is what a shared `kafka.*` block needs.
    set_kafka_property(*conf, k, v);
  }
  return conf;
}

}  // namespace spotstream
