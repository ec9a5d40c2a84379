// The live runtime end to end, in process: embedded broker, synthetic market published through
// Kafka, the pipeline run to idle, decisions and DLQ records read back from their topics.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iterator>
#include <limits>
#include <map>
#include <thread>
#include <set>

#include "src/codec/json_encoder.hpp"
#include "tests/unit/decision_test_util.hpp"
#include "src/feed/event_publisher.hpp"
#include "src/feed/synth_market.hpp"
#include "src/kafka/embedded_cluster.hpp"
#include "src/kafka/topic_reader.hpp"
#include "src/runtime/pipeline.hpp"
#include "topology/kafka_io.hpp"
#include "topology/live_topology.hpp"
#include "topology/process_metrics.hpp"

using namespace spotstream;
using spotstream::test::deterministic_parts;

namespace {

struct Published {
  std::map<std::string, std::string> node_of_instance;  // from the joins: the independent reference
  std::uint64_t joins = 0, signals = 0, events = 0;
};

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<EmbeddedCluster>(1);
    for (const char* t : {"topics.prices", "topics.signals", "topics.fleet", "topics.decisions", "topics.risk", "topics.dlq"})
      cluster_->create_topic(base_.get_string(t), 4);
    base_.set("kafka.bootstrap.servers", cluster_->bootstraps());
    base_.set("log.level", "warn");
  }

  Published publish_market() {
    SynthOptions o;
    o.days = 2;
    o.nodes = 25;
    o.regions = {"us-east-1"};
    o.spike_rate_per_family_day = 2.0;  // enough signals in two days
    Published p;
    EventPublisher pub(base_);
    const auto counts = SynthMarket(o).generate([&](const Event& e) {
      if (const auto* f = std::get_if<FleetEvent>(&e); f && f->action == FleetAction::Join) {
        p.node_of_instance[f->instance_id] = f->node_id;
        ++p.joins;
      }
      pub.publish(e);
    });
    pub.publish_raw(base_.get_string("topics.prices"), "k", "{not json", 0);
    pub.publish_raw(base_.get_string("topics.signals"), "", R"({"noticeTime":"2025-01-01T00:00:00Z"})", 0);
    pub.flush();
    p.signals = counts.rebalances + counts.interruptions;
    p.events = counts.total() + 2;
    return p;
  }

  //! Runs the pipeline to idle in a fresh group; returns the sorted decision records it produced.
  //! `stop_after`: a watchdog stops the run then (0: none).
  std::vector<std::string> run(const std::string& group, int shards, int batch, int queue, ProcessMetrics& m,
                               std::chrono::seconds stop_after = std::chrono::seconds(0)) {
    Config cfg = base_;
    cfg.set("consumer.group", group);
    cfg.set("runtime.shards", std::to_string(shards));
    cfg.set("runtime.batch_size", std::to_string(batch));
    cfg.set("runtime.queue_capacity", std::to_string(queue));
    cfg.set("runtime.sink_capacity", std::to_string(queue));
    cfg.set("runtime.idle_exit_ms", "500");
    cfg.set("topics.decisions", "decisions." + group);  // each run's output on its own
    std::atomic<bool> stop{false}, ended{false};
    std::thread watchdog([&] {
      if (stop_after.count() == 0) return;
      const auto deadline = std::chrono::steady_clock::now() + stop_after;
      while (!ended.load() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      stop.store(true);
    });
    {
      Pipeline p(cfg, live_topology(cfg), m, kafka_io(cfg));
      EXPECT_EQ(p.run(stop), 0);
    }
    ended.store(true);
    watchdog.join();
    std::vector<std::string> out;
    for (const auto& r : read_topic(base_, cfg.get_string("topics.decisions")))
      if (!r.value.empty()) out.push_back(r.value);  // tombstones (departed nodes) are no decisions
    std::sort(out.begin(), out.end());
    return out;
  }

  Config base_;
  std::unique_ptr<EmbeddedCluster> cluster_;
};

}  // namespace

TEST_F(PipelineTest, SignalsBecomeDecisionsAndBadInputGoesToTheDlq) {
  const auto pub = publish_market();
  ASSERT_GT(pub.signals, 5u);
  ProcessMetrics m;
  const auto decisions = run("g1", 2, 256, 4096, m);
  EXPECT_EQ(m.messages_in.get(), pub.events);
  // One STAY per join, one DRAIN or EVACUATE per signal (every synthetic signal is for a node), a
  // DRAIN for the siblings of noticed nodes; the rest are risk-driven (SWITCH, or STAY when a switch
  // is no longer needed).
  std::map<std::string, int> kinds;
  std::uint64_t risk_driven = 0, siblings = 0;
  for (const auto& json : decisions) {
    const auto d = decode_decision(json);
    ASSERT_TRUE(d) << json;
    if (d->why == "sibling") {  // another node of the pool was noticed: DRAIN (the default reaction)
      ++siblings;
      EXPECT_EQ(d->kind, DecisionKind::Drain) << json;
      continue;
    }
    if (d->signal == "none" && d->reason.rfind("joined pool", 0) != 0) {
      ++risk_driven;
      EXPECT_FALSE(std::isnan(d->crash_probability)) << json;
      EXPECT_TRUE(d->kind == DecisionKind::Switch || d->kind == DecisionKind::Stay) << json;
      EXPECT_EQ(d->kind == DecisionKind::Switch, !d->target.empty()) << json;
      continue;
    }
    ++kinds[to_string(d->kind)];
    ASSERT_TRUE(pub.node_of_instance.count(d->instance_id)) << json;
    EXPECT_EQ(pub.node_of_instance.at(d->instance_id), d->node_id) << json;
    if (d->kind == DecisionKind::Evacuate) {
      EXPECT_NE(d->signal, "none");
    }
  }
  EXPECT_EQ(decisions.size(), pub.joins + pub.signals + siblings + risk_driven);
  EXPECT_EQ(static_cast<std::uint64_t>(kinds["STAY"]), pub.joins);
  EXPECT_EQ(static_cast<std::uint64_t>(kinds["DRAIN"] + kinds["EVACUATE"]), pub.signals);
  EXPECT_EQ(m.parked_signals_expired.get(), 0u);

  const auto dlq = read_topic(base_, base_.get_string("topics.dlq"));
  ASSERT_EQ(dlq.size(), 2u);
  std::set<std::string> reasons;
  for (const auto& r : dlq) {
    const auto d = decode_dead_letter(r.value);
    ASSERT_TRUE(d);
    reasons.insert(d->letter.reason);
    EXPECT_GE(d->letter.source.offset, 0);
  }
  EXPECT_EQ(reasons, (std::set<std::string>{"malformed_json", "missing_instance_id"}));
  EXPECT_EQ(m.dlq.total(), 2u);
}

// WindFlow-style: the same input through different parallelism, batch sizes and queue bounds
// (tiny queues force backpressure) must give identical output.
TEST_F(PipelineTest, OutputIsIdenticalAcrossShardsBatchesAndBackpressure) {
  publish_market();
  ProcessMetrics m1, m2, m3;
  const auto a = run("p1", 1, 1024, 65536, m1);
  const auto b = run("p2", 4, 7, 256, m2);
  const auto c = run("p3", 3, 64, 300, m3);
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(deterministic_parts(a), deterministic_parts(b));
  EXPECT_EQ(deterministic_parts(a), deterministic_parts(c));
  // Risk-driven decisions are part of what must be identical.
  EXPECT_GT(std::count_if(a.begin(), a.end(), [](const std::string& r) { return r.find("\"SWITCH\"") != std::string::npos; }), 0);
}

// A finite input ends at its idle exit. A notice's siblings are told once the fleet and signals
// inputs are a grace past it (decisions.input_grace_ms), and the notice's batch is held until
// then; at the idle exit every input has been read and stayed quiet, so the stop tells them from
// everything read instead of waiting the grace out. With a one-hour grace the run ends long
// before it (the watchdog's bound leaves room for sanitizer builds), with the decisions of a run
// with the default grace.
TEST_F(PipelineTest, IdleExitTellsSiblingsWithoutWaitingOutTheInputGrace) {
  publish_market();
  ProcessMetrics m1, m2;
  const auto reference = run("grace-default", 1, 256, 4096, m1);
  base_.set("decisions.input_grace_ms", "3600000");
  const auto started = std::chrono::steady_clock::now();
  const auto a = run("grace-long", 1, 256, 4096, m2, std::chrono::seconds(300));
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_LT(took, std::chrono::seconds(300)) << "the idle exit waited for the input grace (stopped by the watchdog)";
  EXPECT_GT(std::count_if(reference.begin(), reference.end(),
                          [](const std::string& r) { return r.find("\"why\":\"sibling\"") != std::string::npos; }), 0);
  auto got = deterministic_parts(a), want = deterministic_parts(reference);
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  std::vector<std::string> missing, extra;
  std::set_difference(want.begin(), want.end(), got.begin(), got.end(), std::back_inserter(missing));
  std::set_difference(got.begin(), got.end(), want.begin(), want.end(), std::back_inserter(extra));
  EXPECT_TRUE(missing.empty() && extra.empty()) << missing.size() << " decision(s) missing, " << extra.size()
                                                << " extra; first missing: " << (missing.empty() ? "" : missing[0]);
}

// Event time: a tick older than its partition's watermark minus the allowed lateness goes to the
// DLQ as `late`, with its original bytes; one within the lateness is accepted.
TEST_F(PipelineTest, LateTicksGoToTheDlqWithTheirBytes) {
  const std::string prices = base_.get_string("topics.prices");
  auto tick = [](const char* ts) {
    return std::string(R"({"ts":")") + ts +
           R"(","az":"us-east-1a","instance_type":"c5.large","product":"Linux/UNIX","spot_price":0.031})";
  };
  const std::string late = tick("2025-01-01T09:40:00Z");
  {
    EventPublisher pub(base_);
    pub.publish_raw(prices, "us-east-1a/c5", tick("2025-01-01T10:00:00Z"), 0);
    pub.publish_raw(prices, "us-east-1a/c5", tick("2025-01-01T09:51:00Z"), 0);  // 9 min behind: accepted
    pub.publish_raw(prices, "us-east-1a/c5", late, 0);                          // 20 min behind: late
    pub.flush();
  }
  ProcessMetrics m;
  run("late", 2, 64, 4096, m);
  EXPECT_EQ(m.messages_in.get(), 3u);
  EXPECT_EQ(m.prices_in.get(), 2u);  // accepted ticks
  EXPECT_EQ(m.dlq.get("late"), 1u);
  const auto dlq = read_topic(base_, base_.get_string("topics.dlq"));
  ASSERT_EQ(dlq.size(), 1u);
  const auto d = decode_dead_letter(dlq[0].value);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->letter.reason, "late");
  EXPECT_EQ(d->letter.payload, late);
  EXPECT_EQ(d->letter.source.topic, prices);
  EXPECT_EQ(d->letter.source.offset, 2);
}

// A restart in the same group: the second run replays the signals and fleet topics up to the
// committed offsets (with batches of 7, many poll batches hold replayed messages only), rebuilds
// fleet state without re-emitting, and the two runs together emit exactly what one uninterrupted
// run emits: nothing missing, nothing twice.
TEST_F(PipelineTest, RestartReplaysStateAndEmitsEachDecisionOnce) {
  const std::vector<Event> events = test::two_day_market();
  const auto half = events.begin() + static_cast<long>(events.size() / 2);
  auto publish = [&](auto from, auto to) {
    EventPublisher pub(base_);
    for (auto it = from; it != to; ++it) pub.publish(*it);
    pub.flush();
  };
  publish(events.begin(), half);
  ProcessMetrics first, second, whole;
  const auto before = run("restart", 2, 7, 4096, first);
  publish(half, events.end());
  const auto all = run("restart", 2, 7, 4096, second);  // same group, same output topic
  EXPECT_GT(second.messages_replayed.get(), 0u);
  EXPECT_EQ(first.messages_in.get() + second.messages_in.get(), events.size());
  const auto reference = run("reference", 2, 1024, 4096, whole);
  ASSERT_GT(before.size(), 0u);
  ASSERT_GT(all.size(), before.size());
  // sorted records: equal means none missing and none duplicated
  EXPECT_EQ(deterministic_parts(all), deterministic_parts(reference));
}

// Backpressure: while the sink cannot deliver (produce requests fail with a retriable error and the
// producer backs off), the source stops consuming once the bounded queues are full, instead of
// reading the backlog into memory; afterwards everything is delivered. Work in flight (messages read
// but their outputs not yet acknowledged) must stay within the configured bounds: shard lanes,
// sink queue and librdkafka's queue, plus one poll batch.
TEST_F(PipelineTest, SlowSinkSlowsConsumptionWithinTheQueueBounds) {
  SynthOptions o;
  o.days = 2;
  o.nodes = 0;
  o.regions = {"us-east-1"};
  std::uint64_t published = 0;
  {
    EventPublisher pub(base_);
    published = SynthMarket(o).generate([&](const Event& e) { pub.publish(e); }).total();
    pub.flush();
  }
  ASSERT_GT(published, 50000u);
  Config cfg = base_;
  cfg.set("consumer.group", "slow-sink");
  cfg.set("risk.every_tick", "true");  // one output per tick: in flight = read - acknowledged
  cfg.set("runtime.shards", "2");
  cfg.set("runtime.batch_size", "64");
  cfg.set("runtime.queue_capacity", "256");
  cfg.set("runtime.sink_capacity", "256");
  cfg.set("runtime.idle_exit_ms", "500");
  cfg.set("kafka.queue.buffering.max.messages", "1000");
  cfg.set("kafka.retry.backoff.ms", "100");
  cfg.set("topics.risk", "risk.slow-sink");
  // lanes (2 shards x 2 lanes x 256) + ticks held for the (empty) fleet and signals inputs (2 x
  // 256) + sink queue 256 + librdkafka 1000 + a batch, with slack for the approximate sizes
  // moodycamel reports.
  const std::uint64_t bound = 2 * 2 * 256 + 2 * 256 + 256 + 1000 + 64 + 1024;
  ProcessMetrics m;
  std::atomic<bool> stop{false}, done{false};
  std::uint64_t max_in_flight = 0, stalled_max_in_flight = 0;
  std::thread watch([&] {
    while (!done) {
      const auto delivered = m.outputs_delivered.get();
      const auto in = m.messages_in.get();
      const auto in_flight = in > delivered ? in - delivered : 0;
      max_in_flight = std::max(max_in_flight, in_flight);
      if (m.messages_in.get() > 0 && delivered < 1000) stalled_max_in_flight = std::max(stalled_max_in_flight, in_flight);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  cluster_->fail_next_produce_requests(40);  // ~4 s of retries at 100 ms backoff
  Pipeline p(cfg, live_topology(cfg), m, kafka_io(cfg));
  EXPECT_EQ(p.run(stop), 0);
  done = true;
  watch.join();
  EXPECT_EQ(m.messages_in.get(), published);
  // nothing lost in the end (spot.risk progress marks are outputs too)
  EXPECT_EQ(m.outputs_delivered.get(), m.risk_records.get() + m.marks_published.get());
  EXPECT_EQ(m.risk_records.get(), published);
  EXPECT_GT(stalled_max_in_flight, 500u);  // the stall was real: work piled up to the bounds...
  EXPECT_LE(max_in_flight, bound);        // ...and no further
}
