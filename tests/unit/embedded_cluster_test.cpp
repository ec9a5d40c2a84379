// What the embedded broker's fault injection can be trusted with. librdkafka's mock cluster checks
// an idempotent producer's sequence numbers only for transactional producers: with several produce
// requests in flight, one failed by an injected error is followed by a later one the mock accepts
// past the gap, and librdkafka then takes the failed request's messages as persisted (an implicit
// ack: on a real broker the later request would have been refused as out of order). So messages
// are acknowledged that no partition holds. With one request in flight per connection nothing is
// acknowledged unwritten: what tests that inject produce errors and count a topic's messages use.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "src/kafka/embedded_cluster.hpp"
#include "src/kafka/kafka_producer.hpp"
#include "src/kafka/topic_reader.hpp"

using namespace spotstream;

TEST(EmbeddedCluster, InjectedProduceErrorsLoseNothingWithOneRequestInFlight) {
  constexpr int kPartitions = 4, kMessages = 5000;
  EmbeddedCluster cluster;
  cluster.create_topic("faulted", kPartitions);
  Config cfg;
  cfg.set("kafka.bootstrap.servers", cluster.bootstraps());
  cfg.set("kafka.max.in.flight.requests.per.connection", "1");
  // Many small requests, so that an injected error meets requests queued behind it.
  cfg.set("kafka.linger.ms", "0");
  cfg.set("kafka.batch.num.messages", "1");
  std::uint64_t acked = 0, failed = 0;
  KafkaProducer producer(cfg, [&](const KafkaProducer::Delivery& d) { ++(d.error.empty() ? acked : failed); });
  ASSERT_TRUE(producer.produce("faulted", "k", "first", 1, nullptr));  // the producer id, before the faults
  ASSERT_TRUE(producer.flush(10000));
  cluster.fail_next_produce_requests(3);
  for (int i = 0; i < kMessages; ++i)
    ASSERT_TRUE(producer.produce("faulted", "k", std::to_string(i), 1, nullptr, nullptr, i % kPartitions));
  ASSERT_TRUE(producer.flush(60000));
  EXPECT_EQ(failed, 0u);
  EXPECT_EQ(acked, kMessages + 1u);
  EXPECT_EQ(read_topic(cfg, "faulted").size(), acked) << "acknowledged messages missing from the topic";
}
