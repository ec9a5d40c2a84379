// A join read after the instants it precedes have been decided (issue 6): a fleet partition newly
// assigned and read from its start because its previous owner committed nothing, or a join
// appended late. The node is evaluated at the decided instants after its join (catch-up), so its
// risk-driven decisions are those of a run that read the join in time order. Deterministic here:
// the late joins are published only once the process has decided everything else.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
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

// Decision id -> deterministic part, for the nodes in `nodes` (all nodes when empty).
std::map<std::string, std::string> decisions_of(const Config& cfg, const std::set<std::string>& nodes, bool in) {
  std::map<std::string, std::string> out;
  for (const auto& r : read_topic(cfg, cfg.get_string("topics.decisions"))) {
    const auto d = decode_decision(r.value);
    if (d && nodes.contains(d->instance_id) == in) out.emplace(d->decision_id, test::deterministic_part(r.value));
  }
  return out;
}

}  // namespace

TEST(LateJoin, NodesJoiningBehindDecidedInstantsAreCaughtUp) {
  EmbeddedCluster cluster(1);
  Config base;
  base.set("kafka.bootstrap.servers", cluster.bootstraps());
  base.set("log.level", "warn");
  base.set("runtime.idle_exit_ms", "1000");
  base.set("decisions.family_cap", "1");            // no cap: the late nodes change no other node's decisions
  base.set("decisions.catch_up_ms", "259200000");  // the whole feed (2 days)
  SynthOptions o;
  o.days = 2;
  o.regions = {"us-east-1"};
  o.nodes = 60;
  o.spike_rate_per_family_day = 3.0;
  o.reclaim_probability = 0.3;  // many spikes, few reclaims: nodes with risk-driven decisions and no notices
  std::vector<Event> events;
  SynthMarket(o).generate([&](const Event& e) { events.push_back(e); });

  // The late nodes: every other node neither signalled nor in a pool where another node was noticed (a
  // signal appended late is late for the decisions made meanwhile, and so is a sibling reaction
  // already told when a join is appended behind it; that is not what this test is about).
  std::set<std::string> signalled, noticed_pools, late;
  std::map<std::string, std::string> pool_of;
  for (const auto& e : events)
    if (const auto* f = std::get_if<FleetEvent>(&e))
      pool_of[f->instance_id] = PoolId::text(f->az, f->instance_type, f->product);
  for (const auto& e : events)
    if (const auto* s = std::get_if<Signal>(&e)) {
      signalled.insert(s->instance_id);
      if (s->kind == SignalKind::Interruption) noticed_pools.insert(pool_of[s->instance_id]);
    }
  int n = 0;
  for (const auto& e : events)
    if (const auto* f = std::get_if<FleetEvent>(&e))
      if (f->action == FleetAction::Join && !signalled.contains(f->instance_id) &&
          !noticed_pools.contains(PoolId::text(f->az, f->instance_type, f->product)) && n++ % 2 == 0)
        late.insert(f->instance_id);
  ASSERT_GE(late.size(), 3u);
  std::vector<Event> early_part, late_part;
  for (const auto& e : events) {
    const auto* f = std::get_if<FleetEvent>(&e);
    (f && late.contains(f->instance_id) ? late_part : early_part).push_back(e);
  }

  const auto config = [&](const std::string& name) {
    Config cfg = base;
    cfg.set("consumer.group", name);
    for (const char* t : {"topics.prices", "topics.signals", "topics.fleet", "topics.risk", "topics.decisions"}) {
      cfg.set(t, name + "." + cfg.get_string(t));
      cluster.create_topic(cfg.get_string(t), 4);
    }
    return cfg;
  };
  const auto publish = [](const Config& cfg, const std::vector<Event>& part) {
    EventPublisher pub(cfg);
    for (const auto& e : part) pub.publish(e);
    pub.flush();
  };

  // The reference: every join in time order.
  const Config ref = config("inorder");
  publish(ref, events);
  {
    ProcessMetrics m;
    std::atomic<bool> stop{false};
    Pipeline p(ref, live_topology(ref), m, kafka_io(ref));
    ASSERT_EQ(p.run(stop), 0);
  }
  const auto ref_early = decisions_of(ref, late, false), ref_late = decisions_of(ref, late, true);
  std::size_t risk_driven = 0;
  for (const auto& [id, d] : ref_late) risk_driven += d.find("\"reason\":\"joined pool") == std::string::npos;
  ASSERT_GE(risk_driven, 3u) << "the late nodes need decisions beyond their joins to test";

  // The same input with the late nodes' fleet events appended once everything else is decided.
  const Config cfg = config("appended");
  publish(cfg, early_part);
  ProcessMetrics m;
  std::atomic<bool> stop{false};
  Pipeline p(cfg, live_topology(cfg), m, kafka_io(cfg));
  int rc = -1;
  // Not before the appended messages are read (at the end of everything, idle, it could stop).
  std::thread t([&] { rc = p.run(stop, [&] { return m.messages_in.get() >= events.size(); }); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (decisions_of(cfg, late, false).size() < ref_early.size() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(decisions_of(cfg, late, false), ref_early) << "without the late nodes, the others decide the same";
  publish(cfg, late_part);
  t.join();
  ASSERT_EQ(rc, 0);

  EXPECT_EQ(m.joins_caught_up.get(), late.size()) << "every late join arrived behind decided instants";
  const auto got = decisions_of(cfg, late, true);
  for (const auto& [id, d] : ref_late)
    if (!got.contains(id)) ADD_FAILURE() << "missing: " << d;
  for (const auto& [id, d] : got)
    if (!ref_late.contains(id)) ADD_FAILURE() << "extra: " << d;
  std::printf("late joins: %zu nodes, %zu decisions in time order (%zu beyond the joins), %zu after catching up\n",
              late.size(), ref_late.size(), risk_driven, got.size());
}
