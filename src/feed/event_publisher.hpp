#pragma once
//! Publishes input events to their topics in the shapes producers use: canonical price ticks (or
//! AWS describe-spot-price-history items), EventBridge signals verbatim, canonical fleet events;
//! keyed as docs/design.md says (<az>/<family> for prices, instance id for signals and fleet).
#include <cstdint>
#include <string>

#include "src/config/config.hpp"
#include "src/core/event.hpp"
#include "src/kafka/kafka_producer.hpp"

namespace spotstream {

enum class PriceFormat { Canonical, AwsItem };

class EventPublisher {
 public:
  EventPublisher(const Config& cfg, PriceFormat price_format = PriceFormat::Canonical);
  void publish(const Event& e);
  //! Publishes raw bytes (for deliberately bad input in demos and tests).
  void publish_raw(const std::string& topic, const std::string& key, const std::string& value, TimestampMs ts);
  //! Waits for every message to be acknowledged; throws if any failed.
  void flush();
  std::uint64_t published() const { return published_; }
  std::uint64_t failed() const { return failed_; }

 private:
  Config cfg_;
  PriceFormat price_format_;
  std::string prices_topic_, signals_topic_, fleet_topic_;  //!< looked up once, not per message
  std::uint64_t published_ = 0;
  std::uint64_t failed_ = 0;
  std::string first_error_;
  KafkaProducer producer_;
};

}  // namespace spotstream
