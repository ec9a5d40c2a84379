#include "src/mqtt/decision_mirror.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

namespace spotstream {

DecisionMirror::DecisionMirror(const MqttSettings& settings, MqttMetrics& metrics)
    : settings_(settings), metrics_(metrics) {}

DecisionMirror::~DecisionMirror() { stop(0); }

void DecisionMirror::start(MqttLink& link) {
  link_ = &link;
  thread_ = std::thread([this] { loop(); });
}

void DecisionMirror::on_stored(OutputTopic topic, std::string_view key, std::string_view value, std::int64_t) {
  if (topic != OutputTopic::Decisions) return;
  std::size_t dropped = 0;
  {
    std::lock_guard lock(mu_);
    waiting_.push_back(Pending{settings_.decision_topic(key), std::string(value)});
    // The newest decisions matter most (each node's latest is what the retained topics hold).
    while (waiting_.size() > settings_.buffer_max) {
      waiting_.pop_front();
      ++dropped;
    }
    update_gauge();
  }
  cv_.notify_one();
  if (dropped == 0) return;
  metrics_.decisions_dropped.inc(dropped);
  spdlog::warn("mqtt: {} decision(s) wait for the broker (mqtt.buffer_max); the oldest was dropped ({} so far); "
               "they are on Kafka", settings_.buffer_max, metrics_.decisions_dropped.get());
}

void DecisionMirror::connected() {
  {
    std::lock_guard lock(mu_);
    up_ = true;
  }
  cv_.notify_one();
}

void DecisionMirror::disconnected() {
  std::lock_guard lock(mu_);
  up_ = false;
}

void DecisionMirror::acknowledged() {
  metrics_.decisions_out.inc();
  {
    std::lock_guard lock(mu_);
    if (inflight_ > 0) --inflight_;
    update_gauge();
  }
  cv_.notify_all();
}

void DecisionMirror::update_gauge() { metrics_.buffered.set(static_cast<std::int64_t>(waiting_.size() + inflight_)); }

void DecisionMirror::loop() {
  const auto max_inflight = static_cast<std::size_t>(settings_.max_inflight);
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || (up_ && !waiting_.empty() && inflight_ < max_inflight); });
    if (stop_) return;
    Pending p = std::move(waiting_.front());
    waiting_.pop_front();
    ++inflight_;  // before publishing: its acknowledgement may come before publish() returns
    int mid = 0;
    std::string error;
    if (link_->publish(p.topic, p.payload, 1, true, mid, error)) continue;
    --inflight_;
    metrics_.publish_errors.inc();
    const std::string topic = p.topic;
    // Refused (the connection went at that moment): back at the front, tried again once connected.
    waiting_.push_front(std::move(p));
    up_ = up_ && link_->connected();
    lock.unlock();
    spdlog::warn("mqtt: publishing to {} failed ({}); trying again", topic, error);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    lock.lock();
  }
}

std::size_t DecisionMirror::stop(int timeout_ms) {
  std::unique_lock lock(mu_);
  if (!thread_.joinable()) return 0;
  cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
               [&] { return (waiting_.empty() && inflight_ == 0) || !up_; });
  const std::size_t left = waiting_.size() + inflight_;
  stop_ = true;
  lock.unlock();
  cv_.notify_all();
  thread_.join();
  if (left > 0)
    spdlog::warn("mqtt: {} decision(s) not acknowledged by the MQTT broker at the stop (it is {}); they are on Kafka",
                 left, up_ ? "slow" : "away");
  return left;
}

}  // namespace spotstream
