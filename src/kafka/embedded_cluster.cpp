#include "src/kafka/embedded_cluster.hpp"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace spotstream {

EmbeddedCluster::EmbeddedCluster(int brokers) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // The handle only hosts the cluster; it never produces.
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!handle_) throw std::runtime_error(std::string("embedded broker: ") + err);
  cluster_ = rd_kafka_mock_cluster_new(handle_, brokers);
  if (!cluster_) {
    rd_kafka_destroy(handle_);
    throw std::runtime_error("embedded broker: cannot start librdkafka's mock cluster");
  }
}

EmbeddedCluster::~EmbeddedCluster() {
  if (cluster_) rd_kafka_mock_cluster_destroy(cluster_);
  if (handle_) rd_kafka_destroy(handle_);
}

std::string EmbeddedCluster::bootstraps() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }

void EmbeddedCluster::configure_clients(Config& cfg) const {
  cfg.set("kafka.bootstrap.servers", bootstraps());
  if (!cfg.kafka_properties().count("fetch.wait.max.ms")) cfg.set("kafka.fetch.wait.max.ms", "10");
}

void EmbeddedCluster::create_topic(const std::string& name, int partitions) {
  const auto e = rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions, 1);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw std::runtime_error("embedded broker: cannot create topic " + name + ": " + rd_kafka_err2str(e));
}

void EmbeddedCluster::fail_next_produce_requests(std::size_t count) {
  constexpr std::int16_t kProduceApiKey = 0;
  fail_next_requests(kProduceApiKey, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, count);
}

void EmbeddedCluster::fail_next_requests(std::int16_t api_key, int error, std::size_t count) {
  const std::vector<rd_kafka_resp_err_t> errors(count, static_cast<rd_kafka_resp_err_t>(error));
  rd_kafka_mock_push_request_errors_array(cluster_, api_key, errors.size(), errors.data());
}

void EmbeddedCluster::set_broker_up(int broker_id, bool up) {
  const auto e = up ? rd_kafka_mock_broker_set_up(cluster_, broker_id) : rd_kafka_mock_broker_set_down(cluster_, broker_id);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw std::runtime_error("embedded broker: cannot set broker " + std::to_string(broker_id) + (up ? " up: " : " down: ") +
                             rd_kafka_err2str(e));
}

void EmbeddedCluster::set_leader(const std::string& topic, int partition, int broker_id) {
  const auto e = rd_kafka_mock_partition_set_leader(cluster_, topic.c_str(), partition, broker_id);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw std::runtime_error("embedded broker: cannot move " + topic + "/" + std::to_string(partition) + ": " +
                             rd_kafka_err2str(e));
}

void EmbeddedCluster::set_coordinator(const std::string& group, int broker_id) {
  const auto e = rd_kafka_mock_coordinator_set(cluster_, "group", group.c_str(), broker_id);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw std::runtime_error("embedded broker: cannot set the coordinator of " + group + ": " + rd_kafka_err2str(e));
}

}  // namespace spotstream
