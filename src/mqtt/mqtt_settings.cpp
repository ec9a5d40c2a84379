#include "src/mqtt/mqtt_settings.hpp"

#include <mosquitto.h>
#include <unistd.h>

#include <fstream>

namespace spotstream {

namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    auto item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const auto first = item.find_first_not_of(" \t");
    const auto last = item.find_last_not_of(" \t");
    if (first != std::string::npos) out.push_back(item.substr(first, last - first + 1));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

int plus_levels(const std::string& filter) {
  int n = 0;
  std::size_t start = 0;
  for (;;) {
    const auto slash = filter.find('/', start);
    if (filter.substr(start, slash == std::string::npos ? std::string::npos : slash - start) == "+") ++n;
    if (slash == std::string::npos) return n;
    start = slash + 1;
  }
}

void check_readable(const std::string& key, const std::string& path) {
  if (!path.empty() && !std::ifstream(path)) throw ConfigError(key + ": cannot read " + path);
}

std::string default_client_id() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::snprintf(host, sizeof host, "host");
  return "spotstream-" + std::string(host) + "-" + std::to_string(getpid());
}

}  // namespace

std::string MqttSettings::subscription(const std::string& filter) const {
  return share_group.empty() ? filter : "$share/" + share_group + "/" + filter;
}

std::string MqttSettings::decision_topic(std::string_view node_id) const {
  std::string t = decision_prefix;
  t += '/';
  t += node_id;
  return t;
}

std::string MqttSettings::describe() const {
  std::string s = host + ":" + std::to_string(port) + (tls_ca_file.empty() ? "" : " (TLS)");
  if (!username.empty()) s += " as " + username;
  return s;
}

MqttSettings MqttSettings::from(const Config& cfg) {
  MqttSettings s;
  s.host = cfg.get_string("mqtt.host");
  s.port = static_cast<int>(cfg.get_int("mqtt.port"));
  s.client_id = cfg.get_string("mqtt.client_id");
  if (s.client_id.empty()) s.client_id = default_client_id();
  s.clean_session = cfg.get_bool("mqtt.clean_session");
  s.keepalive_s = static_cast<int>(cfg.get_int("mqtt.keepalive_s"));
  s.username = cfg.get_string("mqtt.username");
  s.password = cfg.get_string("mqtt.password");
  s.tls_ca_file = cfg.get_string("mqtt.tls_ca_file");
  s.tls_cert_file = cfg.get_string("mqtt.tls_cert_file");
  s.tls_key_file = cfg.get_string("mqtt.tls_key_file");
  s.share_group = cfg.get_string("mqtt.share_group");
  s.decision_prefix = cfg.get_string("mqtt.decision_prefix");
  while (!s.decision_prefix.empty() && s.decision_prefix.back() == '/') s.decision_prefix.pop_back();
  s.buffer_max = static_cast<std::size_t>(cfg.get_int("mqtt.buffer_max"));
  s.max_inflight = static_cast<int>(cfg.get_int("mqtt.max_inflight"));
  s.reconnect_delay_s = static_cast<int>(cfg.get_int("mqtt.reconnect_delay_s"));
  s.reconnect_delay_max_s = std::max(s.reconnect_delay_s, static_cast<int>(cfg.get_int("mqtt.reconnect_delay_max_s")));
  s.signal_topics = split_list(cfg.get_string("mqtt.signal_topics"));
  if (!s.enabled()) return s;
  for (const auto& f : s.signal_topics)
    if (mosquitto_sub_topic_check(f.c_str()) != MOSQ_ERR_SUCCESS || plus_levels(f) != 1 ||
        f.find('#') != std::string::npos || f.rfind("$share/", 0) == 0)
      throw ConfigError("mqtt.signal_topics: '" + f + "' must be a topic filter with exactly one + level (the "
                        "instance id) and no #; the share group comes from mqtt.share_group");
  if (s.share_group.find_first_of("/+#") != std::string::npos)
    throw ConfigError("mqtt.share_group: '" + s.share_group + "' must not contain /, + or #");
  if (s.decision_prefix.find_first_of("+#") != std::string::npos)
    throw ConfigError("mqtt.decision_prefix: '" + s.decision_prefix + "' must not contain + or #");
  if (s.tls_cert_file.empty() != s.tls_key_file.empty())
    throw ConfigError("mqtt.tls_cert_file and mqtt.tls_key_file go together: set both or neither");
  if (!s.tls_cert_file.empty() && s.tls_ca_file.empty())
    throw ConfigError("mqtt.tls_cert_file needs mqtt.tls_ca_file (the client certificate is only sent over TLS)");
  check_readable("mqtt.tls_ca_file", s.tls_ca_file);
  check_readable("mqtt.tls_cert_file", s.tls_cert_file);
  check_readable("mqtt.tls_key_file", s.tls_key_file);
  return s;
}

}  // namespace spotstream
