#include "src/mqtt/mqtt_bridge.hpp"

#include <spdlog/spdlog.h>

namespace spotstream {

namespace {
constexpr int kStopTimeoutMs = 5000;
}  // namespace

MqttBridge::MqttBridge(const Config& cfg, MqttMetrics& metrics, DlqCounters& dlq)
    : settings_(MqttSettings::from(cfg)) {
  if (!settings_.signal_topics.empty()) signals_ = std::make_unique<SignalBridge>(cfg, settings_, metrics, dlq);
  if (!settings_.decision_prefix.empty()) mirror_ = std::make_unique<DecisionMirror>(settings_, metrics);
  MqttLink::Handlers h;
  if (signals_) h.message = [this](std::string_view topic, std::string_view payload) { signals_->take(topic, payload); };
  if (mirror_) {
    h.connected = [this] { mirror_->connected(); };
    h.disconnected = [this] { mirror_->disconnected(); };
    h.published = [this](int) { mirror_->acknowledged(); };
  }
  link_ = std::make_unique<MqttLink>(settings_, metrics, std::move(h));
}

MqttBridge::~MqttBridge() { stop(); }

void MqttBridge::start() {
  std::string filters;
  for (const auto& f : settings_.signal_topics) filters += (filters.empty() ? "" : ", ") + f;
  spdlog::info("mqtt: signals from {} ({}), decisions to {}/<node id>, broker {}",
               filters.empty() ? "nowhere" : filters,
               settings_.share_group.empty() ? "every member" : "shared by group " + settings_.share_group,
               settings_.decision_prefix.empty() ? "nowhere" : settings_.decision_prefix, settings_.describe());
  if (signals_) signals_->start();
  if (mirror_) mirror_->start(*link_);
  link_->start();
}

void MqttBridge::stop() {
  if (!link_) return;
  if (mirror_) mirror_->stop(kStopTimeoutMs);
  link_->stop();
  if (signals_) signals_->stop(kStopTimeoutMs);
  link_.reset();
}

}  // namespace spotstream
