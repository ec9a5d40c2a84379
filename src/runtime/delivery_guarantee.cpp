#include "src/runtime/delivery_guarantee.hpp"

#include <unistd.h>

#include <array>
#include <cstdlib>

namespace spotstream {

DeliveryGuarantee delivery_guarantee(const Config& cfg) {
  const auto& mode = cfg.get_string("delivery.guarantee");
  const auto kafka = cfg.kafka_properties();
  // kafka.* reaches every client of the process, and two producers sharing a transactional id
  // fence each other: the sink's producer gets its id from delivery.transactional_id alone.
  if (kafka.count("transactional.id"))
    throw ConfigError("kafka.transactional.id is not accepted (kafka.* applies to every producer, and producers sharing a "
                      "transactional id fence each other): set delivery.guarantee=exactly_once and, if needed, "
                      "delivery.transactional_id");
  if (mode == "at_least_once") {
    if (!cfg.get_string("delivery.transactional_id").empty())
      throw ConfigError("delivery.transactional_id is set but delivery.guarantee is at_least_once: the id is used only "
                        "with delivery.guarantee=exactly_once");
    return DeliveryGuarantee::AtLeastOnce;
  }
  if (mode != "exactly_once")
    throw ConfigError("invalid value '" + mode + "' for delivery.guarantee: expected at_least_once or exactly_once");
  const auto is = [&](const char* key, const char* value) {
    const auto it = kafka.find(key);
    return it != kafka.end() && it->second == value;
  };
  if (is("enable.idempotence", "false"))
    throw ConfigError("delivery.guarantee=exactly_once needs the idempotent producer: remove kafka.enable.idempotence=false");
  // spotstream reads its own outputs back (spot.decisions on takeover, spot.risk for the risk
  // table): read uncommitted, it would take aborted outputs for real ones.
  if (is("isolation.level", "read_uncommitted"))
    throw ConfigError("delivery.guarantee=exactly_once needs kafka.isolation.level=read_committed (the default): "
                      "spotstream reads spot.decisions and spot.risk back and must not see aborted transactions");
  if (is("enable.auto.commit", "true"))
    throw ConfigError("delivery.guarantee=exactly_once commits offsets inside transactions: remove kafka.enable.auto.commit=true");
  // The broker aborts a transaction left open longer than this; each stays open about one commit
  // interval (plus the wait for its outputs), so leave it a margin.
  const auto timeout = kafka.count("transaction.timeout.ms") ? std::strtoll(kafka.at("transaction.timeout.ms").c_str(), nullptr, 10) : 60000;
  if (cfg.get_int("runtime.commit_interval_ms") * 2 > timeout)
    throw ConfigError("delivery.guarantee=exactly_once: runtime.commit_interval_ms (" + std::to_string(cfg.get_int("runtime.commit_interval_ms")) +
                      ") must be at most half of kafka.transaction.timeout.ms (" + std::to_string(timeout) +
                      "), or the broker aborts transactions before they commit");
  return DeliveryGuarantee::ExactlyOnce;
}

std::string transactional_id(const Config& cfg) {
  const auto& id = cfg.get_string("delivery.transactional_id");
  if (!id.empty()) return id;
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0 || host[0] == '\0') return cfg.get_string("consumer.group") + "-spotstream";
  return cfg.get_string("consumer.group") + "-" + host.data();
}

}  // namespace spotstream
