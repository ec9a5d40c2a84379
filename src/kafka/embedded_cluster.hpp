#pragma once
//! The embedded Kafka broker: librdkafka's mock cluster, a real Kafka protocol server on loopback
//! that any client (kcat included) can reach while this object lives. Ports are random
//! (librdkafka 2.0.2 cannot fix them), so callers publish bootstraps().
//! Not a production broker: no offsets-for-times, ~5 MiB retention per partition, transactions
//! accepted but not enforced (see ../shared/FACTS.md).
#include <cstdint>
#include <string>
#include <vector>

#include "src/config/config.hpp"

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace spotstream {

class EmbeddedCluster {
 public:
  explicit EmbeddedCluster(int brokers = 1);
  ~EmbeddedCluster();
  EmbeddedCluster(const EmbeddedCluster&) = delete;
  EmbeddedCluster& operator=(const EmbeddedCluster&) = delete;

  //! "127.0.0.1:PORT[,...]"
  std::string bootstraps() const;
  //! Points `cfg`'s clients at this cluster. Kafka answers a waiting fetch as soon as a message
  //! arrives; this broker only once the whole fetch.wait.max.ms has passed, so with librdkafka's
  //! 500 ms a message to an idle consumer (a signal) waits up to half a second: unless `cfg` sets
  //! kafka.fetch.wait.max.ms, it becomes 10 ms.
  void configure_clients(Config& cfg) const;
  //! Creates a topic; throws std::runtime_error on failure.
  void create_topic(const std::string& name, int partitions);
  //! Fault injection: the next `count` produce requests fail with a retriable error
  //! (NOT_ENOUGH_REPLICAS), so producers back off and retry: a slow sink, for tests.
  //! This broker checks sequence numbers for transactional producers only: an idempotent producer
  //! with more than one request in flight can have a failed request's messages acknowledged
  //! unwritten. A test that counts what the topics hold sets
  //! kafka.max.in.flight.requests.per.connection=1 (tests/unit/embedded_cluster_test.cpp).
  void fail_next_produce_requests(std::size_t count);
  //! Fault injection: the next `count` requests of Kafka API `api_key` (e.g. 26 EndTxn) fail with
  //! Kafka error code `error` (produce requests: see fail_next_produce_requests).
  void fail_next_requests(std::int16_t api_key, int error, std::size_t count);
  //! Fault injection: broker `broker_id` (1..brokers) drops its connections and refuses new ones
  //! until set up again. Its partitions keep their leader: they are unavailable meanwhile.
  void set_broker_up(int broker_id, bool up);
  //! Moves the leadership of one partition to broker `broker_id` (clients learn it from errors).
  void set_leader(const std::string& topic, int partition, int broker_id);
  //! Makes broker `broker_id` the coordinator of consumer group `group`, so a test can take the
  //! coordinator down on its own.
  void set_coordinator(const std::string& group, int broker_id);

 private:
  rd_kafka_s* handle_ = nullptr;
  rd_kafka_mock_cluster_s* cluster_ = nullptr;
};

}  // namespace spotstream
