// The Kafka sink on the embedded broker: with at_least_once, a decision does not wait while the
// spot.risk records batch for kafka.linger.ms (it has a producer of its own,
// delivery.decisions_linger_ms), and the stop still delivers everything.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "src/kafka/embedded_cluster.hpp"
#include "src/kafka/kafka_sink.hpp"
#include "src/kafka/topic_reader.hpp"

using namespace spotstream;

namespace {

Output output(OutputTopic topic, const std::string& key, InputBatch* batch) {
  Output o;
  o.topic = topic;
  o.key = key;
  o.value = R"({"key":")" + key + R"("})";
  o.ts = 1'700'000'000'000;
  o.batch = batch;
  return o;
}

}  // namespace

TEST(KafkaSink, ADecisionGoesOutWhileTheRiskRecordsLinger) {
  EmbeddedCluster cluster;
  Config cfg;
  for (const char* t : {"topics.decisions", "topics.risk", "topics.dlq"}) cluster.create_topic(cfg.get_string(t), 2);
  cluster.configure_clients(cfg);
  // The risk records' producer holds what it is given for a minute: anything read before then
  // went through the other one.
  cfg.set("kafka.linger.ms", "60000");
  RuntimeMetrics metrics;
  std::atomic<bool> fatal{false};
  InputBatch batch;
  batch.add(2);  // one decision, one risk record, each released once acknowledged
  {
    KafkaSink sink(cfg, metrics, fatal);
    sink.start();
    auto lane = sink.lane();
    std::vector<Output> outs{output(OutputTopic::Risk, "us-east-1a/m5.large/Linux/UNIX", &batch),
                             output(OutputTopic::Decisions, "node-1", &batch)};
    lane->push(outs);

    std::vector<TopicRecord> decisions;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (decisions.empty() && std::chrono::steady_clock::now() < deadline) {
      decisions = read_topic(cfg, cfg.get_string("topics.decisions"), 10000);
      if (decisions.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_EQ(decisions.size(), 1u) << "the decision waited with the risk records";
    EXPECT_EQ(decisions[0].key, "node-1");
    // The premise: the risk record is still lingering, so the decision did not ride with it.
    EXPECT_TRUE(read_topic(cfg, cfg.get_string("topics.risk"), 10000).empty());

    sink.stop_and_join();  // delivers what is left, lingering or not
  }
  EXPECT_FALSE(fatal.load());
  EXPECT_EQ(metrics.outputs_delivered.get(), 2u);
  EXPECT_EQ(batch.pending.load(), 1);  // both acknowledged: only the source's own hold is left
  EXPECT_EQ(read_topic(cfg, cfg.get_string("topics.risk"), 10000).size(), 1u);
}
