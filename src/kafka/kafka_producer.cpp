#include "src/kafka/kafka_producer.hpp"

#include <spdlog/spdlog.h>

#include "src/kafka/kafka_conf.hpp"

namespace spotstream {

class KafkaProducer::Reporter : public RdKafka::DeliveryReportCb {
 public:
  explicit Reporter(DeliveryFn fn) : fn_(std::move(fn)) {}
  void dr_cb(RdKafka::Message& m) override {
    if (!fn_) {
      if (m.err()) spdlog::error("kafka delivery to {} failed: {}", m.topic_name(), m.errstr());
      return;
    }
    fn_(m.msg_opaque(), m.err() ? m.errstr() : std::string());
  }

 private:
  DeliveryFn fn_;
};

KafkaProducer::KafkaProducer(const Config& cfg, DeliveryFn on_delivery)
    : reporter_(std::make_unique<Reporter>(std::move(on_delivery))) {
  auto conf = make_kafka_conf(cfg, ClientRole::Producer);
  std::string err;
  if (conf->set("dr_cb", static_cast<RdKafka::DeliveryReportCb*>(reporter_.get()), err) != RdKafka::Conf::CONF_OK)
    throw std::runtime_error("kafka producer: " + err);
  producer_.reset(RdKafka::Producer::create(conf.get(), err));
  if (!producer_) throw std::runtime_error("kafka producer: " + err);
}

KafkaProducer::~KafkaProducer() {
  if (producer_ && producer_->outq_len() > 0) {
    producer_->flush(5000);
    if (producer_->outq_len() > 0)
      spdlog::warn("kafka producer closed with {} undelivered messages", producer_->outq_len());
  }
}

bool KafkaProducer::produce(const std::string& topic, std::string_view key, std::string_view value,
                            std::int64_t ts_ms, void* opaque, std::string* error, std::int32_t partition) {
  for (;;) {
    const auto rc = producer_->produce(topic, partition < 0 ? RdKafka::Topic::PARTITION_UA : partition, RdKafka::Producer::RK_MSG_COPY,
                                       const_cast<char*>(value.data()), value.size(),
                                       key.empty() ? nullptr : key.data(), key.size(), ts_ms, opaque);
    if (rc == RdKafka::ERR_NO_ERROR) return true;
    if (rc == RdKafka::ERR__QUEUE_FULL) {
      producer_->poll(10);
      continue;
    }
    if (error) *error = RdKafka::err2str(rc);
    return false;
  }
}

void KafkaProducer::poll(int timeout_ms) { producer_->poll(timeout_ms); }

bool KafkaProducer::flush(int timeout_ms) {
  return producer_->flush(timeout_ms) == RdKafka::ERR_NO_ERROR && producer_->outq_len() == 0;
}

int KafkaProducer::outstanding() const { return producer_->outq_len(); }

}  // namespace spotstream
