#include "src/kafka/kafka_producer.hpp"

#include <librdkafka/rdkafka.h>
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
    const auto* rkm = static_cast<const rd_kafka_message_t*>(m.c_ptr());
    Delivery d;
    d.opaque = m.msg_opaque();
    if (m.err()) d.error = m.errstr();
    d.topic = rd_kafka_topic_name(rkm->rkt);
    if (rkm->key) d.key = std::string_view(static_cast<const char*>(rkm->key), rkm->key_len);
    if (rkm->payload) d.value = std::string_view(static_cast<const char*>(rkm->payload), rkm->len);
    d.ts = m.timestamp().timestamp;
    fn_(d);
  }

 private:
  DeliveryFn fn_;
};

KafkaProducer::KafkaProducer(const Config& cfg, DeliveryFn on_delivery, const std::map<std::string, std::string>& role_defaults)
    : reporter_(std::make_unique<Reporter>(std::move(on_delivery))) {
  auto conf = make_kafka_conf(cfg, ClientRole::Producer, role_defaults);
  std::string err;
  if (conf->set("dr_cb", static_cast<RdKafka::DeliveryReportCb*>(reporter_.get()), err) != RdKafka::Conf::CONF_OK)
    throw std::runtime_error("kafka producer: " + err);
  producer_.reset(RdKafka::Producer::create(conf.get(), err));
  if (!producer_) throw std::runtime_error("kafka producer: " + err);
  reports_ = rd_kafka_queue_get_main(producer_->c_ptr());
}

KafkaProducer::~KafkaProducer() {
  if (reports_) rd_kafka_queue_destroy(reports_);
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
                                       value.empty() ? nullptr : const_cast<char*>(value.data()), value.size(),
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

void KafkaProducer::wake() { rd_kafka_queue_yield(reports_); }

bool KafkaProducer::learn_topic(const std::string& topic, int timeout_ms) {
  std::string err;
  const std::unique_ptr<RdKafka::Topic> t(RdKafka::Topic::create(producer_.get(), topic, nullptr, err));
  if (!t) return false;
  RdKafka::Metadata* md = nullptr;
  const auto rc = producer_->metadata(false, t.get(), &md, timeout_ms);
  delete md;
  return rc == RdKafka::ERR_NO_ERROR;
}

bool KafkaProducer::flush(int timeout_ms) {
  return producer_->flush(timeout_ms) == RdKafka::ERR_NO_ERROR && producer_->outq_len() == 0;
}

int KafkaProducer::outstanding() const { return producer_->outq_len(); }

namespace {
// Takes ownership of librdkafka's error object (null: success) and classifies it.
KafkaProducer::TxnResult classify(RdKafka::Error* e) {
  using Kind = KafkaProducer::TxnResult::Kind;
  if (!e) return {};
  const std::unique_ptr<RdKafka::Error> err(e);
  const Kind kind = err->is_fatal()             ? Kind::Fatal
                    : err->txn_requires_abort() ? Kind::Abortable
                    : err->is_retriable()       ? Kind::Retriable
                                                : Kind::Abortable;  // not retriable, not fatal: give the transaction up
  return {kind, err->name() + ": " + err->str()};
}
}  // namespace

KafkaProducer::TxnResult KafkaProducer::init_transactions(int timeout_ms) {
  return classify(producer_->init_transactions(timeout_ms));
}

KafkaProducer::TxnResult KafkaProducer::begin_transaction() { return classify(producer_->begin_transaction()); }

KafkaProducer::TxnResult KafkaProducer::send_offsets_to_transaction(const std::map<PartitionKey, std::int64_t>& offsets,
                                                                    const RdKafka::ConsumerGroupMetadata& group, int timeout_ms) {
  std::vector<RdKafka::TopicPartition*> parts;
  for (const auto& [tp, off] : offsets) parts.push_back(RdKafka::TopicPartition::create(tp.first, tp.second, off));
  auto result = classify(producer_->send_offsets_to_transaction(parts, &group, timeout_ms));
  for (auto* p : parts) delete p;
  return result;
}

KafkaProducer::TxnResult KafkaProducer::commit_transaction(int timeout_ms) {
  return classify(producer_->commit_transaction(timeout_ms));
}

KafkaProducer::TxnResult KafkaProducer::abort_transaction(int timeout_ms) {
  return classify(producer_->abort_transaction(timeout_ms));
}

std::int32_t default_partition(std::string_view key, std::int32_t partitions) {
  return rd_kafka_msg_partitioner_consistent(nullptr, key.data(), key.size(), partitions, nullptr, nullptr);
}

}  // namespace spotstream
