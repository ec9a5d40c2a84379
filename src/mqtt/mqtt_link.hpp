#pragma once
//! One MQTT client connection (libmosquitto) with its own network thread: connects in the
//! background, reconnects with a growing delay after the broker is lost, subscribes again on every
//! connection, and calls the handlers on that thread. publish() may be called from any thread.
//! The password is handed to libmosquitto and never logged.
#include <atomic>
#include <functional>
#include <string>
#include <string_view>

#include "src/mqtt/mqtt_metrics.hpp"
#include "src/mqtt/mqtt_settings.hpp"

struct mosquitto;
struct mosquitto_message;

namespace spotstream {

class MqttLink {
 public:
  struct Handlers {
    std::function<void()> connected;     //!< after the subscriptions were sent
    std::function<void()> disconnected;  //!< the connection was lost (a reconnect follows)
    std::function<void(std::string_view topic, std::string_view payload)> message;
    std::function<void(int mid)> published;  //!< the broker acknowledged publish `mid` (QoS 1)
  };

  //! Throws ConfigError when libmosquitto refuses the settings (TLS files it cannot use).
  MqttLink(const MqttSettings& settings, MqttMetrics& metrics, Handlers handlers);
  ~MqttLink();
  MqttLink(const MqttLink&) = delete;
  MqttLink& operator=(const MqttLink&) = delete;

  //! Starts the network thread; the first connection is made there (a broker that is not up yet
  //! is retried, like a lost one).
  void start();
  //! Disconnects and joins the network thread.
  void stop();
  bool connected() const { return connected_.load(std::memory_order_acquire); }
  //! Queues one message; `mid` is its id for Handlers::published. False when the client refuses
  //! it (not connected, or an error: `error` says which).
  bool publish(const std::string& topic, std::string_view payload, int qos, bool retain, int& mid, std::string& error);

 private:
  static void on_connect(mosquitto* m, void* self, int rc);
  static void on_disconnect(mosquitto* m, void* self, int rc);
  static void on_message(mosquitto* m, void* self, const mosquitto_message* msg);
  static void on_publish(mosquitto* m, void* self, int mid);

  MqttSettings settings_;
  MqttMetrics& metrics_;
  Handlers handlers_;
  mosquitto* mosq_ = nullptr;
  std::atomic<bool> connected_{false};
  std::atomic<bool> started_{false};
  std::atomic<bool> was_connected_{false};
};

}  // namespace spotstream
