#include "src/kafka/kafka_conf.hpp"

namespace spotstream {

void set_kafka_property(RdKafka::Conf& conf, const std::string& key, const std::string& value) {
  std::string err;
  if (conf.set(key, value, err) != RdKafka::Conf::CONF_OK) throw ConfigError("kafka." + key + ": " + err);
}

std::unique_ptr<RdKafka::Conf> make_kafka_conf(const Config& cfg, ClientRole role,
                                               const std::map<std::string, std::string>& role_defaults) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::map<std::string, std::string> props;
  // Recover quickly when a broker comes back (FACTS.md: mock cluster fault injection).
  props["reconnect.backoff.max.ms"] = "1000";
  props["client.id"] = "spotstream";
  if (role == ClientRole::Producer) {
    props["enable.idempotence"] = "true";
    props["linger.ms"] = "5";
    props["compression.type"] = "lz4";
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
    props["queued.min.messages"] = "200000";
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
