// The replicated risk table across processes (issue 6): two pipelines in one consumer group, each
// holding half of the partitions, read the risk table from spot.risk (records and progress marks)
// and decide for their own fleet partitions. The union of their decisions must equal, by decision
// id, a single process's decisions over the same input (zero missing), including SWITCH decisions
// whose target pool lives on a price partition the deciding process does not read: the ranking
// there is only possible through the topic.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "src/codec/json_encoder.hpp"
#include "src/feed/event_publisher.hpp"
#include "src/feed/synth_market.hpp"
#include "src/kafka/embedded_cluster.hpp"
#include "src/kafka/topic_reader.hpp"
#include "src/runtime/pipeline.hpp"
#include "tests/unit/decision_test_util.hpp"
#include "topology/live_topology.hpp"

using namespace spotstream;

namespace {

// The live topology, noting the price partitions whose ticks this pipeline's shards received.
class SeenPartitions : public ShardLogic {
 public:
  SeenPartitions(std::unique_ptr<ShardLogic> inner, std::set<std::int32_t>& seen, std::mutex& mu)
      : inner_(std::move(inner)), seen_(seen), mu_(mu) {}
  void on_event(const Event& e, const EventContext& ctx, OutputCollector& out) override {
    if (std::holds_alternative<PriceTick>(e) && !known_.contains(ctx.partition)) {
      known_.insert(ctx.partition);
      std::lock_guard lock(mu_);
      seen_.insert(ctx.partition);
    }
    inner_->on_event(e, ctx, out);
  }
  void on_revoked(const std::vector<PartitionKey>& parts) override { inner_->on_revoked(parts); }
  void on_progress(const EventContext& ctx, OutputCollector& out) override { inner_->on_progress(ctx, out); }
  void on_finish(OutputCollector& out) override { inner_->on_finish(out); }
  void on_idle(OutputCollector& out) override { inner_->on_idle(out); }

 private:
  std::unique_ptr<ShardLogic> inner_;
  std::set<std::int32_t> known_;
  std::set<std::int32_t>& seen_;
  std::mutex& mu_;
};

std::string family_key(const std::string& pool) {  // "<az>/<type>/<product>" -> "<az>/<family>"
  const auto a = pool.find('/');
  const auto type = pool.substr(a + 1, pool.find('/', a + 1) - a - 1);
  return pool.substr(0, a) + "/" + type.substr(0, type.find('.'));
}

struct Published {
  std::map<std::string, std::string> by_id;  //!< decision id -> deterministic part
  std::size_t duplicates = 0;
  std::vector<Decision> decisions;
};

void collect(const Config& cfg, const std::string& topic, Published& into) {
  for (const auto& r : read_topic(cfg, topic)) {
    auto d = decode_decision(r.value);
    ASSERT_TRUE(d) << r.value;
    const auto [it, fresh] = into.by_id.try_emplace(d->decision_id, test::deterministic_part(r.value));
    if (!fresh) {
      ++into.duplicates;
      EXPECT_EQ(it->second, test::deterministic_part(r.value)) << "same id, different decision";
    }
    into.decisions.push_back(std::move(*d));
  }
}

}  // namespace

TEST(RiskTableTopic, TwoProcessesInOneGroupDecideAsOneProcess) {
  EmbeddedCluster cluster(1);
  Config base;
  base.set("kafka.bootstrap.servers", cluster.bootstraps());
  base.set("log.level", "warn");
  base.set("runtime.idle_exit_ms", "1500");
  base.set("decisions.risk_source", "topic");
  // The diversity cap counts the fleet's nodes a process holds (README "Scaling out"): a fleet split
  // over two processes is capped per half. The single-process comparison needs it out of the way.
  base.set("decisions.family_cap", "1");
  cluster.create_topic(base.get_string("topics.prices"), 8);
  for (const char* t : {"topics.signals", "topics.fleet"}) cluster.create_topic(base.get_string(t), 4);
  SynthOptions o;
  o.days = 2;
  o.regions = {"us-east-1"};
  o.nodes = 40;
  o.spike_rate_per_family_day = 2.0;
  std::vector<Event> events;
  SynthMarket(o).generate([&](const Event& e) { events.push_back(e); });
  {
    EventPublisher pub(base);
    for (const auto& e : events) pub.publish(e);
    pub.flush();
  }
  auto config = [&](const std::string& group, const std::string& decisions) {
    Config cfg = base;
    cfg.set("consumer.group", group);
    cfg.set("topics.risk", "risk." + group);
    cfg.set("topics.decisions", decisions);
    cluster.create_topic(cfg.get_string("topics.risk"), 4);
    cluster.create_topic(decisions, 4);
    return cfg;
  };

  // The reference: one process.
  const Config ref_cfg = config("single", "decisions.single");
  {
    RuntimeMetrics m;
    std::atomic<bool> stop{false};
    Pipeline p(ref_cfg, live_topology(ref_cfg), m);
    ASSERT_EQ(p.run(stop), 0);
  }
  Published reference;
  collect(base, "decisions.single", reference);

  // Two processes in one group, started together so that the group's first assignment splits the
  // partitions (the embedded broker delays a new group's first rebalance, as Kafka does).
  const Config a_cfg = config("pair", "decisions.pair.a");
  Config b_cfg = a_cfg;
  b_cfg.set("topics.decisions", "decisions.pair.b");
  cluster.create_topic("decisions.pair.b", 4);
  RuntimeMetrics ma, mb;
  std::mutex mu;
  std::set<std::int32_t> seen_a, seen_b;
  auto factory = [](const Config& cfg, std::set<std::int32_t>& seen, std::mutex& mu) {
    auto inner = live_topology(cfg);
    return Pipeline::LogicFactory([inner, &seen, &mu](int shard, RuntimeMetrics& m) -> std::unique_ptr<ShardLogic> {
      return std::make_unique<SeenPartitions>(inner(shard, m), seen, mu);
    });
  };
  // Neither leaves before the group has read all input (its last marks then reach the other).
  const auto all_read = [&] { return ma.messages_in.get() + mb.messages_in.get() >= events.size(); };
  int rc_a = -1, rc_b = -1;
  {
    Pipeline pa(a_cfg, factory(a_cfg, seen_a, mu), ma);
    Pipeline pb(b_cfg, factory(b_cfg, seen_b, mu), mb);
    std::atomic<bool> stop{false};
    std::thread ta([&] { rc_a = pa.run(stop, all_read); });
    std::thread tb([&] { rc_b = pb.run(stop, all_read); });
    ta.join();
    tb.join();
  }
  ASSERT_EQ(rc_a, 0);
  ASSERT_EQ(rc_b, 0);
  // The setup this test relies on: one assignment, split, and nothing moved mid-stream.
  ASSERT_GT(ma.partitions_assigned.get(), 0u);
  ASSERT_GT(mb.partitions_assigned.get(), 0u);
  ASSERT_EQ(ma.partitions_assigned.get() + mb.partitions_assigned.get(), 16u) << ma.to_json() << "\n" << mb.to_json();
  EXPECT_EQ(ma.messages_in.get() + mb.messages_in.get(), events.size());
  EXPECT_GT(ma.risk_marks.get(), 0u);
  EXPECT_GT(mb.risk_marks.get(), 0u);

  Published a, b, pair;
  collect(base, "decisions.pair.a", a);
  collect(base, "decisions.pair.b", b);
  collect(base, "decisions.pair.a", pair);
  collect(base, "decisions.pair.b", pair);
  EXPECT_GT(a.decisions.size(), 0u);
  EXPECT_GT(b.decisions.size(), 0u);

  // Union equals the single process's decisions by id, none missing, none extra; each decision's
  // deterministic part (everything but a signal's replacement) equal too.
  std::size_t missing = 0, extra = 0, differ = 0;
  for (const auto& [id, d] : reference.by_id) {
    const auto it = pair.by_id.find(id);
    if (it == pair.by_id.end()) {
      ++missing;
      ADD_FAILURE() << "missing: " << d;
    } else if (it->second != d) {
      ++differ;
      ADD_FAILURE() << "differs:\n  single: " << d << "\n  pair:   " << it->second;
    }
  }
  for (const auto& [id, d] : pair.by_id)
    if (!reference.by_id.contains(id)) {
      ++extra;
      ADD_FAILURE() << "extra: " << d;
    }
  std::printf("decisions: %zu in the single-process run, %zu distinct in the pair (%zu + %zu published), %zu missing, "
              "%zu extra, %zu different, %zu duplicates\n",
              reference.by_id.size(), pair.by_id.size(), a.decisions.size(), b.decisions.size(), missing, extra,
              differ, pair.duplicates);

  // Cross-process ranking: SWITCH decisions whose target's price partition the deciding process
  // never read (its risk records came from the other process, through spot.risk).
  std::map<std::string, std::int32_t> partition_of;
  for (const auto& r : read_topic(base, base.get_string("topics.prices"))) partition_of[r.key] = r.partition;
  std::size_t switches = 0, cross = 0;
  for (auto [published, seen] : {std::pair{&a, &seen_a}, {&b, &seen_b}})
    for (const auto& d : published->decisions) {
      if (d.kind != DecisionKind::Switch || d.target.empty() || d.target == kOnDemandTarget) continue;
      ++switches;
      const auto p = partition_of.find(family_key(d.target));
      ASSERT_NE(p, partition_of.end()) << d.target;
      if (!seen->contains(p->second)) ++cross;
    }
  std::printf("SWITCH decisions: %zu, of which %zu to a pool on a price partition the deciding process does not read\n",
              switches, cross);
  EXPECT_GT(cross, 0u);
  EXPECT_TRUE(std::set<std::int32_t>(seen_a.begin(), seen_a.end()) != std::set<std::int32_t>{});
  for (const auto p : seen_a) EXPECT_FALSE(seen_b.contains(p)) << "price partition " << p << " read by both";
}
