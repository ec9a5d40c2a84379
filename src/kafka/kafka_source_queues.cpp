// KafkaSource: the queues it reads. The control inputs (signals, fleet) have a queue of their own,
// served before the consumer's queue (prices, rebalances, errors): a signal fetched behind a deep
// prefetch of price messages is handed over at the next poll, not after them.
#include <algorithm>

#include "src/kafka/kafka_source.hpp"

namespace spotstream {

namespace {

// librdkafka's thread, when the control queue receives a message while it was empty: a poll
// waiting on the consumer's queue returns at once to serve it.
void wake_consumer_queue(rd_kafka_t*, void* consumer_queue) {
  rd_kafka_queue_yield(static_cast<rd_kafka_queue_t*>(consumer_queue));
}

}  // namespace

void KafkaSource::open_control_queue() {
  if (!cfg_.get_bool("consumer.control_queue")) return;
  if (std::none_of(inputs_.begin(), inputs_.end(), [](const Input& in) { return in.kind != InputKind::Prices; })) return;
  control_ = rd_kafka_queue_new(consumer_->c_ptr());
  rd_kafka_queue_cb_event_enable(control_, wake_consumer_queue, queue_);
}

void KafkaSource::release_control_queue() {
  if (!control_) return;
  // The partitions forwarding here stop first and what is queued is dropped: librdkafka's
  // termination waits for every partition's messages to be gone.
  rd_kafka_queue_cb_event_enable(control_, nullptr, nullptr);
  for (auto& [key, q] : control_partitions_) {
    rd_kafka_queue_forward(q, nullptr);
    rd_kafka_queue_destroy(q);
  }
  control_partitions_.clear();
  std::vector<rd_kafka_message_t*> left(256);
  ssize_t n;
  while ((n = rd_kafka_consume_batch_queue(control_, 0, left.data(), left.size())) > 0)
    for (ssize_t i = 0; i < n; ++i) rd_kafka_message_destroy(left[static_cast<std::size_t>(i)]);
  rd_kafka_queue_destroy(control_);
  control_ = nullptr;
}

void KafkaSource::route_control_partitions(const std::vector<RdKafka::TopicPartition*>& parts) {
  if (!control_) return;
  for (const auto* p : parts) {
    const auto i = input_index(p->topic());
    if (i == inputs_.size() || inputs_[i].kind == InputKind::Prices) continue;
    // Before the partition's fetch starts: librdkafka then keeps an application's forwarding.
    auto& q = control_partitions_[{p->topic(), p->partition()}];
    if (!q) q = rd_kafka_queue_get_partition(consumer_->c_ptr(), p->topic().c_str(), p->partition());
    if (q) rd_kafka_queue_forward(q, control_);
  }
}

std::size_t KafkaSource::poll(std::size_t max, int timeout_ms, const RecordFn& fn) {
  // librdkafka's C batch API: one call per batch instead of one queue round trip per message
  // (measured: 3.1 M msg/s against 1.2 M/s one by one), and no C++ wrapper or topic-name string
  // per message. Take what is there, control messages first; only when nothing is, wait up to
  // timeout_ms for the first (a control message ends the wait).
  if (batch_.size() < max) batch_.resize(max);
  std::size_t got = 0;
  const auto take_from = [&](rd_kafka_queue_t* q, int wait_ms, std::size_t up_to) {
    if (!q || got >= up_to) return;
    const auto n = rd_kafka_consume_batch_queue(q, wait_ms, batch_.data() + got, up_to - got);
    if (n > 0) got += static_cast<std::size_t>(n);
  };
  in_batch_ = true;
  take_from(control_, 0, max);
  take_from(queue_, 0, max);
  if (got == 0) {
    take_from(queue_, timeout_ms, 1);
    take_from(control_, 0, max);
    if (got > 0) take_from(queue_, 0, max);
  }
  in_batch_ = false;
  std::size_t n = 0;
  for (std::size_t i = 0; i < got; ++i) {
    rd_kafka_message_t* m = batch_[i];
    if (take(*m, fn)) ++n;
    rd_kafka_message_destroy(m);
  }
  apply_pending_rebalances();
  return n;
}

}  // namespace spotstream
