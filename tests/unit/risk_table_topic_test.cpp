// The replicated risk table across processes (issue 6): two pipelines in one consumer group, each
// holding half of the partitions, read the risk table from spot.risk (records and progress marks)
// and decide for their own fleet partitions. The union of their decisions must equal, by decision
// id, a single process's decisions over the same input (zero missing), including SWITCH decisions
// whose target pool lives on a price partition the deciding process does not read: the ranking
// there is only possible through the topic.
// Three scenarios: both members from the start; the second joining after a third of the input
// (partitions and their nodes move mid-stream); and the same with the first member losing its
// whole assignment as the second joins, before its commits go through.
#include <gtest/gtest.h>

#include <cstdlib>
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
#include "topology/kafka_io.hpp"
#include "topology/live_topology.hpp"
#include "topology/process_metrics.hpp"

using namespace spotstream;

namespace {

constexpr std::int16_t kHeartbeatApiKey = 12;
constexpr int kIllegalGeneration = 22;  // RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION

// What one process did, as the wrapper below saw it.
struct Observed {
  std::string name;
  std::mutex mu;
  std::set<std::int32_t> price_partitions;  //!< whose ticks its shards received
  std::vector<Decision> decisions;          //!< that it published (not read back)
};

// The live topology, observed.
class Observing : public ShardLogic {
 public:
  Observing(std::unique_ptr<ShardLogic> inner, Observed& seen) : inner_(std::move(inner)), seen_(seen) {}
  void on_event(const Event& e, const EventContext& ctx, OutputCollector& out) override {
    if (std::holds_alternative<PriceTick>(e) && !known_.contains(ctx.partition)) {
      known_.insert(ctx.partition);
      std::lock_guard lock(seen_.mu);
      seen_.price_partitions.insert(ctx.partition);
    }
    observe(out, [&] { inner_->on_event(e, ctx, out); });
  }
  void look_ahead(const Event& next, const EventContext& ctx) override { inner_->look_ahead(next, ctx); }
  void on_revoked(const std::vector<PartitionKey>& parts) override { inner_->on_revoked(parts); }
  void on_progress(const EventContext& ctx, OutputCollector& out) override {
    observe(out, [&] { inner_->on_progress(ctx, out); });
  }
  void on_finish(OutputCollector& out, bool input_consumed, bool may_owe) override {
    observe(out, [&] { inner_->on_finish(out, input_consumed, may_owe); });
  }
  std::map<PartitionKey, std::int64_t> owed_from() const override { return inner_->owed_from(); }
  void on_idle(OutputCollector& out) override {
    observe(out, [&] { inner_->on_idle(out); });
  }
  TimestampMs outputs_complete_before(const EventContext& ctx) const override {
    return inner_->outputs_complete_before(ctx);
  }

 private:
  template <class F>
  void observe(OutputCollector& out, F call) {
    const auto before = out.outputs().size();
    call();
    for (auto i = before; i < out.outputs().size(); ++i) {
      const auto& o = out.outputs()[i];
      if (o.topic != OutputTopic::Decisions || o.history_only || o.value.empty()) continue;  // not tombstones
      auto d = decode_decision(o.value);
      ASSERT_TRUE(d) << o.value;
      std::lock_guard lock(seen_.mu);
      seen_.decisions.push_back(std::move(*d));
    }
  }

  std::unique_ptr<ShardLogic> inner_;
  std::set<std::int32_t> known_;
  Observed& seen_;
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
    if (r.value.empty()) continue;  // a departed node's tombstone
    auto d = decode_decision(r.value);
    ASSERT_TRUE(d) << r.value;
    const auto [it, fresh] = into.by_id.try_emplace(d->decision_id, test::deterministic_part(r.value));
    if (!fresh) {
      ++into.duplicates;
      if (std::getenv("SHOW_DUPLICATES")) std::printf("duplicate: %s\n", r.value.c_str());
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
  // The diversity cap counts the fleet's nodes a process holds (docs/scaling-and-delivery.md): a fleet split
  // over two processes is capped per half. The single-process comparison needs it out of the way.
  base.set("decisions.family_cap", "1");
  // A member that takes a partition over re-evaluates its nodes over the decided instants kept for
  // catch-up; the whole feed (2 days), so that a partition moving late in the run loses nothing.
  base.set("decisions.catch_up_ms", "259200000");
  // The sibling reaction and the target cool-down act on the signals of the nodes a process holds
  // (docs/decisions.md): with the fleet split over two processes they differ from one process's.
  base.set("decisions.sibling_reaction", "none");
  base.set("decisions.target_cooldown_ms", "0");
  for (const std::string prefix : {"", "late.", "lost."}) {  // the late member's runs have inputs of their own
    cluster.create_topic(prefix + base.get_string("topics.prices"), 8);
    for (const char* t : {"topics.signals", "topics.fleet"}) cluster.create_topic(prefix + base.get_string(t), 4);
  }
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
  const auto config = [&](const std::string& group, const std::string& decisions) {
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
    ProcessMetrics m;
    std::atomic<bool> stop{false};
    Pipeline p(ref_cfg, live_topology(ref_cfg), m, kafka_io(ref_cfg));
    ASSERT_EQ(p.run(stop), 0);
  }
  Published reference;
  collect(base, "decisions.single", reference);

  std::map<std::string, std::int32_t> partition_of;
  for (const auto& r : read_topic(base, base.get_string("topics.prices"))) partition_of[r.key] = r.partition;
  const auto run_pair = [&](const std::string& group, bool b_late, bool lose_assignment = false) {
    SCOPED_TRACE(group);
    // Two processes in one group, sharing the output topics as deployed processes do.
    Config cfg = config(group, "decisions." + group);
    if (b_late)
      for (const char* t : {"topics.prices", "topics.signals", "topics.fleet"}) cfg.set(t, group + "." + cfg.get_string(t));
    // Published up front, or a third before and the rest once the second member has its share.
    const std::size_t first_part = b_late ? events.size() / 3 : 0;
    const auto publish = [&](std::size_t from, std::size_t to) {
      EventPublisher pub(cfg);
      for (std::size_t i = from; i < to; ++i) pub.publish(events[i]);
      pub.flush();
    };
    publish(0, first_part);
    ProcessMetrics ma, mb;
    Observed a, b;
    a.name = "a";
    b.name = "b";
    auto factory = [&](Observed& seen) {
      auto plan = live_topology(cfg);
      plan.logic = [inner = plan.logic, &seen](int shard, RuntimeMetrics& m) -> std::unique_ptr<ShardLogic> {
        return std::make_unique<Observing>(inner(shard, m), seen);
      };
      return plan;
    };
    // Neither leaves before the group has read all input (its last marks then reach the other).
    const auto all_read = [&] { return ma.messages_in.get() + mb.messages_in.get() >= events.size(); };
    int rc_a = -1, rc_b = -1;
    {
      Pipeline pa(cfg, factory(a), ma, kafka_io(cfg));
      std::atomic<bool> stop{false};
      std::thread ta([&] { rc_a = pa.run(stop, all_read); });
      // A member joining late takes partitions over mid-stream (they move, with their nodes).
      while (b_late && ma.messages_in.get() < first_part) std::this_thread::sleep_for(std::chrono::milliseconds(2));
      // The first member's next heartbeat is refused (ILLEGAL_GENERATION): it loses every partition
      // before its commits go through, and the group splits them afresh, some read again from the
      // start (as when a member stalls past the rebalance timeout).
      if (lose_assignment) cluster.fail_next_requests(kHeartbeatApiKey, kIllegalGeneration, 1);
      Pipeline pb(cfg, factory(b), mb, kafka_io(cfg));
      std::thread tb([&] { rc_b = pb.run(stop, all_read); });
      while (b_late && (ma.partitions_revoked.get() == 0 || mb.partitions_assigned.get() == 0))
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      publish(first_part, b_late ? events.size() : 0);
      ta.join();
      tb.join();
    }
    ASSERT_EQ(rc_a, 0);
    ASSERT_EQ(rc_b, 0);
    std::printf("%s: partitions assigned %llu and %llu, revoked %llu and %llu\n",
                group.c_str(), static_cast<unsigned long long>(ma.partitions_assigned.get()),
                static_cast<unsigned long long>(mb.partitions_assigned.get()),
                static_cast<unsigned long long>(ma.partitions_revoked.get()),
                static_cast<unsigned long long>(mb.partitions_revoked.get()));
    ASSERT_GT(mb.partitions_assigned.get(), 0u);
    EXPECT_GE(ma.messages_in.get() + mb.messages_in.get(), events.size());
    EXPECT_GT(ma.marks_published.get(), 0u);
    EXPECT_GT(mb.marks_published.get(), 0u);
    EXPECT_GT(a.decisions.size(), 0u);
    EXPECT_GT(b.decisions.size(), 0u);

    // The union on spot.decisions equals the single process's decisions by id, none missing, none
    // extra; each decision's deterministic part (all but a signal's replacement) equal too.
    Published pair;
    collect(base, cfg.get_string("topics.decisions"), pair);
    std::size_t missing = 0, extra = 0, differ = 0;
    for (const auto& [id, d] : reference.by_id) {
      const auto it = pair.by_id.find(id);
      if (it == pair.by_id.end()) {
        ++missing;
        ADD_FAILURE() << "missing: " << d;
        // What each process published for the node: who held it, and what it did decide.
        for (const auto* seen : {&a, &b})
          for (const auto& x : seen->decisions)
            if (d.find("\"" + x.node_id + "\"") != std::string::npos)
              std::printf("  %s published for %s: %s at %lld %s\n", seen->name.c_str(), x.node_id.c_str(),
                          to_string(x.kind), static_cast<long long>(x.ts), x.target.c_str());
      } else if (it->second != d) {
        ++differ;
        ADD_FAILURE() << "differs:\n  single: " << d << "\n  pair:   " << it->second;
      }
    }
    for (const auto& [id, d] : pair.by_id)
      if (!reference.by_id.contains(id)) {
        ++extra;
        // With members joining mid-stream, extras are counted and printed, not asserted: before
        // signals were co-partitioned with the fleet, runs under CPU contention had one or two extra
        // SWITCH decisions where publication resumed; none has been seen since. Missing ones always fail.
        if (b_late) {
          std::printf("%s: extra: %s\n", group.c_str(), d.c_str());
        } else {
          ADD_FAILURE() << "extra: " << d;
        }
      }
    std::printf("%s: decisions: %zu in the single-process run, %zu distinct from the pair (%zu + %zu published), "
                "%zu missing, %zu extra, %zu different, %zu duplicates\n",
                group.c_str(), reference.by_id.size(), pair.by_id.size(), a.decisions.size(), b.decisions.size(),
                missing, extra, differ, pair.duplicates);

    // Cross-process ranking: SWITCH decisions whose target's price partition the deciding process
    // never read (its risk records came from the other process, through spot.risk).
    std::size_t switches = 0, cross = 0;
    for (const auto* seen : {&a, &b})
      for (const auto& d : seen->decisions) {
        if (d.kind != DecisionKind::Switch || d.target.empty() || d.target == kOnDemandTarget) continue;
        ++switches;
        const auto p = partition_of.find(family_key(d.target));
        ASSERT_NE(p, partition_of.end()) << d.target;
        if (!seen->price_partitions.contains(p->second)) ++cross;
      }
    std::printf("%s: SWITCH decisions: %zu, of which %zu to a pool on a price partition the deciding process does not "
                "read\n", group.c_str(), switches, cross);
    if (!b_late) {
      EXPECT_GT(cross, 0u);
    }
  };
  run_pair("pair", false);
  // The second member joins once the first has read a third of the input: partitions move, and
  // the rest is published while both run. Zero missing is asserted; extras are printed (see above).
  run_pair("late", true);
  // Again, with the first member losing its assignment as the second joins.
  run_pair("lost", true, true);
}
