#include "src/feed/event_publisher.hpp"

#include <stdexcept>

#include "src/codec/json_encoder.hpp"
#include "src/kafka/kafka_conf.hpp"

namespace spotstream {

EventPublisher::EventPublisher(const Config& cfg, PriceFormat price_format)
    : cfg_(cfg),
      price_format_(price_format),
      prices_topic_(cfg.get_string("topics.prices")),
      signals_topic_(cfg.get_string("topics.signals")),
      fleet_topic_(cfg.get_string("topics.fleet")),
      producer_(cfg, [this](const KafkaProducer::Delivery& d) {
        if (d.error.empty()) return;
        if (failed_++ == 0) first_error_ = d.error;
      }) {}

void EventPublisher::publish_raw(const std::string& topic, const std::string& key, const std::string& value,
                                 TimestampMs ts) {
  std::string error;
  if (!producer_.produce(topic, key, value, ts, nullptr, &error)) {
    // Refused here rather than accepted and lost: a broker (the embedded one keeps about 5 MiB per
    // partition) drops or rejects what is too large, and consumers would skip it.
    if (value.size() + key.size() >= kMaxMessageBytes)
      throw std::runtime_error("cannot publish a message of " + std::to_string(value.size() + key.size()) + " bytes to " +
                               topic + ": over the producer's message.max.bytes (" + std::to_string(kMaxMessageBytes) +
                               "; kafka.message.max.bytes raises it where the cluster accepts more): " + error);
    throw std::runtime_error("cannot publish to " + topic + ": " + error);
  }
  ++published_;
  if ((published_ & 1023) == 0) producer_.poll(0);
}

void EventPublisher::publish(const Event& e) {
  if (const auto* t = std::get_if<PriceTick>(&e)) {
    publish_raw(prices_topic_, t->routing_key(),
                price_format_ == PriceFormat::AwsItem ? encode_aws_price_item(*t) : encode_price_tick(*t), t->ts);
  } else if (const auto* s = std::get_if<Signal>(&e)) {
    publish_raw(signals_topic_, s->instance_id, encode_eventbridge_signal(*s), s->ts);
  } else if (const auto* f = std::get_if<FleetEvent>(&e)) {
    publish_raw(fleet_topic_, f->instance_id, encode_fleet_event(*f), f->ts);
  }
}

void EventPublisher::flush() {
  if (!producer_.flush(60000))
    throw std::runtime_error(std::to_string(producer_.outstanding()) + " message(s) unacknowledged after 60 s");
  if (failed_) throw std::runtime_error(std::to_string(failed_) + " message(s) could not be published: " + first_error_);
}

}  // namespace spotstream
