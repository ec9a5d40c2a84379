#pragma once
//! The MQTT bridge's settings (the mqtt.* properties), read and checked once at start-up.
#include <string>
#include <vector>

#include "src/config/config.hpp"

namespace spotstream {

struct MqttSettings {
  std::string host;  //!< empty: no MQTT
  int port = 1883;
  std::string client_id;
  bool clean_session = true;
  int keepalive_s = 30;
  std::string username, password;
  std::string tls_ca_file, tls_cert_file, tls_key_file;
  std::vector<std::string> signal_topics;  //!< filters, each with one + level (the instance id)
  std::string share_group;                 //!< empty: plain subscriptions
  std::string decision_prefix;             //!< empty: decisions are not published
  std::size_t buffer_max = 100000;
  int max_inflight = 100;
  int reconnect_delay_s = 1, reconnect_delay_max_s = 30;

  bool enabled() const { return !host.empty(); }
  //! The subscription for a signal filter: $share/<group>/<filter> with a share group.
  std::string subscription(const std::string& filter) const;
  //! <prefix>/<node id>.
  std::string decision_topic(std::string_view node_id) const;
  //! Where the broker is, for logs: host:port, TLS or not, the user name (never the password).
  std::string describe() const;

  //! Throws ConfigError naming the property when a value cannot work (a filter without exactly one
  //! + level, a client certificate without its key, a file that cannot be read).
  static MqttSettings from(const Config& cfg);
};

}  // namespace spotstream
