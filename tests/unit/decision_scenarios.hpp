#pragma once
// The fixture of the decision scenarios (decision_scenarios_test.cpp, stalled_feed_test.cpp):
// markets published through the embedded broker, the live topology run to idle in a fresh group,
// the decisions read back from spot.decisions.
#include <gtest/gtest.h>

#include <atomic>
#include <httplib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "src/codec/json_encoder.hpp"
#include "tests/unit/decision_market.hpp"
#include "src/core/time.hpp"
#include "src/feed/event_publisher.hpp"
#include "src/kafka/embedded_cluster.hpp"
#include "src/kafka/topic_reader.hpp"
#include "src/rest/evaluate_server.hpp"
#include "src/runtime/pipeline.hpp"
#include "topology/kafka_io.hpp"
#include "topology/live_topology.hpp"
#include "topology/process_metrics.hpp"

namespace spotstream::test {

class DecisionScenarios : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<EmbeddedCluster>(1);
    // One price partition: the prices watermark (what decisions wait for) needs every partition to
    // carry ticks, and these markets have only a few <az>/<family> keys.
    cluster_->create_topic(base_.get_string("topics.prices"), 1);
    for (const char* t : {"topics.signals", "topics.fleet", "topics.decisions", "topics.risk", "topics.dlq"})
      cluster_->create_topic(base_.get_string(t), 2);
    base_.set("kafka.bootstrap.servers", cluster_->bootstraps());
    base_.set("log.level", "warn");
    advisor_ = std::filesystem::temp_directory_path() /
               ("spotstream-advisor-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".json");
    std::ofstream(advisor_) << kAdvisor;
    base_.set("risk.spot_advisor_file", advisor_.string());
  }
  void TearDown() override { std::filesystem::remove(advisor_); }

  //! Publishes the market in event-time order; `signals` false holds its signals back (in `held_`).
  void publish(Market& m, bool signals = true) {
    std::stable_sort(m.events.begin(), m.events.end(), [](const Event& a, const Event& b) {
      return std::visit([](const auto& v) { return v.ts; }, a) < std::visit([](const auto& v) { return v.ts; }, b);
    });
    EventPublisher pub(base_);
    for (const auto& e : m.events) {
      if (!signals && std::holds_alternative<Signal>(e)) {
        held_.push_back(e);
      } else {
        pub.publish(e);
        ++published_;
      }
    }
    pub.flush();
  }

  //! Runs the live topology to idle in a fresh group; decisions in event-time order. With held
  //! signals, they are published while it runs, once the risk table has caught up with their time:
  //! as in a live run, where a notice arrives while the prices are current (a signal's replacement
  //! comes from the latest scores when it is processed; see operators/model_decisions.hpp).
  std::vector<Decision> run(const std::string& group, int shards = 2) {
    Config cfg = base_;
    cfg.set("consumer.group", group);
    cfg.set("runtime.shards", std::to_string(shards));
    cfg.set("runtime.idle_exit_ms", held_.empty() ? "500" : "3000");
    cfg.set("topics.decisions", "decisions." + group);
    services_ = std::make_shared<DecisionServices>(cfg);
    ProcessMetrics metrics;
    std::atomic<bool> stop{false};
    Pipeline p(cfg, live_topology(cfg, services_), metrics, kafka_io(cfg));
    // The pipeline does not idle out before the held signals are out (the risk table read from
    // spot.risk catches up a little after the input, so waiting for it can take a while under load).
    std::atomic<bool> held_out{held_.empty()};
    std::thread live([&] {
      if (held_.empty()) return;
      TimestampMs last = 0;
      for (const auto& e : held_) last = std::max(last, std::get<Signal>(e).ts);
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      while (services_->table.complete_through() < last && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      EventPublisher pub(base_);
      for (const auto& e : held_) pub.publish(e);
      pub.flush();
      published_ += held_.size();
      held_out = true;
    });
    // Idle, and every message on the input topics read: just published messages may not have been
    // fetched yet when the input looks idle.
    EXPECT_EQ(p.run(stop, [&] { return held_out.load() && metrics.messages_in.get() >= published_.load(); }), 0);
    live.join();
    held_.clear();
    std::vector<Decision> out;
    records_ = read_topic(base_, cfg.get_string("topics.decisions"));
    for (const auto& r : records_) {
      if (r.value.empty()) continue;  // a departed node's tombstone
      auto d = decode_decision(r.value);
      EXPECT_TRUE(d) << r.value;
      if (d) out.push_back(*d);
    }
    std::stable_sort(out.begin(), out.end(), [](const Decision& a, const Decision& b) { return a.ts < b.ts; });
    return out;
  }

  static std::vector<Decision> of(const std::vector<Decision>& all, const std::string& node) {
    std::vector<Decision> out;
    for (const auto& d : all)
      if (d.node_id == node) out.push_back(d);
    return out;
  }
  static std::string family(const std::string& pool) {
    const auto type = pool.substr(pool.find('/') + 1);
    return type.substr(0, type.find('.'));
  }
  static std::string dump(const std::vector<Decision>& ds) {
    std::string s;
    for (const auto& d : ds) s += encode_decision(d) + "\n";
    return s;
  }

  Config base_;
  std::unique_ptr<EmbeddedCluster> cluster_;
  std::filesystem::path advisor_;
  std::shared_ptr<DecisionServices> services_;
  std::vector<Event> held_;
  std::vector<TopicRecord> records_;  //!< spot.decisions as the last run() left it, tombstones included
  std::atomic<std::size_t> published_{0};  //!< messages on the input topics
};


}  // namespace spotstream::test
