#pragma once
//! librdkafka configuration from spotstream's Config: our role defaults first, then every
//! `kafka.*` key verbatim (the user always wins), so TLS, SASL and tuning need no code.
#include <librdkafka/rdkafkacpp.h>

#include <cstddef>
#include <map>
#include <memory>
#include <string>

#include "src/config/config.hpp"

namespace spotstream {

enum class ClientRole { Consumer, Producer };

//! The producers' message.max.bytes (librdkafka's and Kafka's usual limit): a larger message is
//! refused when it is produced, not accepted by a broker that cannot keep it (the embedded broker
//! holds about 5 MiB per partition and drops what is beyond). `kafka.message.max.bytes` overrides.
inline constexpr std::size_t kMaxMessageBytes = 1'000'000;

//! Builds a global RdKafka::Conf. Throws ConfigError naming the offending key on a bad property.
std::unique_ptr<RdKafka::Conf> make_kafka_conf(const Config& cfg, ClientRole role,
                                               const std::map<std::string, std::string>& role_defaults = {});

//! Sets one property or throws ConfigError("kafka.<key>: <librdkafka's message>").
void set_kafka_property(RdKafka::Conf& conf, const std::string& key, const std::string& value);

}  // namespace spotstream
