#include "src/mqtt/mqtt_link.hpp"

#include <mosquitto.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <mutex>

namespace spotstream {

namespace {

void init_library() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

std::string mosq_error(int rc) {
  return rc == MOSQ_ERR_ERRNO ? std::string(std::strerror(errno)) : std::string(mosquitto_strerror(rc));
}

}  // namespace

MqttLink::MqttLink(const MqttSettings& settings, MqttMetrics& metrics, Handlers handlers)
    : settings_(settings), metrics_(metrics), handlers_(std::move(handlers)) {
  init_library();
  mosq_ = mosquitto_new(settings_.client_id.c_str(), settings_.clean_session, this);
  if (!mosq_) throw std::runtime_error("mqtt: cannot create a client: " + mosq_error(MOSQ_ERR_ERRNO));
  mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  mosquitto_int_option(mosq_, MOSQ_OPT_TCP_NODELAY, 1);
  mosquitto_int_option(mosq_, MOSQ_OPT_SEND_MAXIMUM, settings_.max_inflight);
  mosquitto_reconnect_delay_set(mosq_, static_cast<unsigned>(settings_.reconnect_delay_s),
                                static_cast<unsigned>(settings_.reconnect_delay_max_s), true);
  if (!settings_.username.empty()) {
    const char* password = settings_.password.empty() ? nullptr : settings_.password.c_str();
    if (const int rc = mosquitto_username_pw_set(mosq_, settings_.username.c_str(), password); rc != MOSQ_ERR_SUCCESS)
      throw ConfigError("mqtt.username: " + mosq_error(rc));
  }
  if (!settings_.tls_ca_file.empty()) {
    const char* cert = settings_.tls_cert_file.empty() ? nullptr : settings_.tls_cert_file.c_str();
    const char* key = settings_.tls_key_file.empty() ? nullptr : settings_.tls_key_file.c_str();
    if (const int rc = mosquitto_tls_set(mosq_, settings_.tls_ca_file.c_str(), nullptr, cert, key, nullptr);
        rc != MOSQ_ERR_SUCCESS)
      throw ConfigError("mqtt.tls_ca_file / mqtt.tls_cert_file / mqtt.tls_key_file: " + mosq_error(rc));
  }
  mosquitto_connect_callback_set(mosq_, &MqttLink::on_connect);
  mosquitto_disconnect_callback_set(mosq_, &MqttLink::on_disconnect);
  mosquitto_message_callback_set(mosq_, &MqttLink::on_message);
  mosquitto_publish_callback_set(mosq_, &MqttLink::on_publish);
}

MqttLink::~MqttLink() {
  stop();
  mosquitto_destroy(mosq_);
}

void MqttLink::start() {
  if (started_.exchange(true)) return;
  // A broker that is not reachable yet is not an error: the network thread keeps trying.
  if (const int rc = mosquitto_connect_async(mosq_, settings_.host.c_str(), settings_.port, settings_.keepalive_s);
      rc != MOSQ_ERR_SUCCESS)
    spdlog::warn("mqtt: cannot reach the broker at {} yet ({}); retrying in the background", settings_.describe(),
                 mosq_error(rc));
  if (const int rc = mosquitto_loop_start(mosq_); rc != MOSQ_ERR_SUCCESS)
    throw std::runtime_error("mqtt: cannot start the network thread: " + mosq_error(rc));
}

void MqttLink::stop() {
  if (!started_.exchange(false)) return;
  mosquitto_disconnect(mosq_);
  mosquitto_loop_stop(mosq_, false);
  connected_.store(false, std::memory_order_release);
  metrics_.connected.set(0);
}

bool MqttLink::publish(const std::string& topic, std::string_view payload, int qos, bool retain, int& mid,
                       std::string& error) {
  const int rc = mosquitto_publish(mosq_, &mid, topic.c_str(), static_cast<int>(payload.size()),
                                   payload.empty() ? nullptr : payload.data(), qos, retain);
  if (rc == MOSQ_ERR_SUCCESS) return true;
  error = mosq_error(rc);
  return false;
}

void MqttLink::on_connect(mosquitto* m, void* self, int rc) {
  auto& link = *static_cast<MqttLink*>(self);
  if (rc != 0) {
    spdlog::warn("mqtt: the broker at {} refused the connection: {}", link.settings_.describe(),
                 mosquitto_connack_string(rc));
    return;
  }
  for (const auto& filter : link.settings_.signal_topics) {
    const auto sub = link.settings_.subscription(filter);
    if (const int src = mosquitto_subscribe(m, nullptr, sub.c_str(), 1); src != MOSQ_ERR_SUCCESS)
      spdlog::error("mqtt: cannot subscribe to {}: {}", sub, mosq_error(src));
  }
  const bool again = link.was_connected_.exchange(true);
  spdlog::info("mqtt: {} the broker at {}, client id {}", again ? "reconnected to" : "connected to", link.settings_.describe(),
               link.settings_.client_id);
  link.metrics_.connects.inc();
  link.metrics_.connected.set(1);
  link.connected_.store(true, std::memory_order_release);
  if (link.handlers_.connected) link.handlers_.connected();
}

void MqttLink::on_disconnect(mosquitto*, void* self, int rc) {
  auto& link = *static_cast<MqttLink*>(self);
  link.connected_.store(false, std::memory_order_release);
  link.metrics_.connected.set(0);
  if (rc == 0) return;  // our own disconnect (stop)
  link.metrics_.disconnects.inc();
  spdlog::warn("mqtt: lost the broker at {} ({}); reconnecting, decisions are held meanwhile",
               link.settings_.describe(), mosq_error(rc));
  if (link.handlers_.disconnected) link.handlers_.disconnected();
}

void MqttLink::on_message(mosquitto*, void* self, const mosquitto_message* msg) {
  auto& link = *static_cast<MqttLink*>(self);
  if (!link.handlers_.message) return;
  link.handlers_.message(msg->topic, std::string_view(static_cast<const char*>(msg->payload),
                                                      static_cast<std::size_t>(msg->payloadlen)));
}

void MqttLink::on_publish(mosquitto*, void* self, int mid) {
  auto& link = *static_cast<MqttLink*>(self);
  if (link.handlers_.published) link.handlers_.published(mid);
}

}  // namespace spotstream
