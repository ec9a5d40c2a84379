// Decision scenarios end to end: fleets, prices and AWS signals published through the embedded
// broker, the live topology run to idle (price path -> spot.risk -> replicated risk table ->
// decision shard), and the decisions read back from spot.decisions. Crash probabilities come from
// heuristic-v1 on prices built to give them (a Spot Advisor file written per test sets the bands
// and the hardware), so each scenario states the probabilities it relies on.
#include "tests/unit/decision_scenarios.hpp"

#include <nlohmann/json.hpp>

#include "src/rest/evaluate_server.hpp"

using namespace spotstream;
using namespace spotstream::test;

// The issue's reference scenarios, on a weekday in business hours (time score 0):
//  - c5.large at depth 0.20, still: p = 1 - (0.6*0.75 + 0.25*1 + 0.1*0.20 + 0) = 0.28; the best
//    alternative, m5.large at depth 0.60 (p = 0.24), gains 4 points: STAY;
//  - a rebalance recommendation: DRAIN; an interruption notice: EVACUATE, naming a replacement;
//  - c5.24xlarge swinging between depths 0.9 and 0.7 (band >20%, volatile): p = 0.91..0.93, above
//    the gate: SWITCH to m5.24xlarge (96 vCPU, band <5%, at on-demand price: p = 0.15), the only
//    compatible safe pool.
// The REST evaluation of the same pools agrees with the stream.
TEST_F(DecisionScenarios, ReferenceScenarios) {
  Market m;
  const TimestampMs t0 = at("2025-01-06T14:30:00Z");  // Monday 09:30 in us-east-1
  const TimestampMs t1 = t0 + 4 * kHourMs;
  m.calm(t0, t1, "us-east-1a", "c5.large", 0.20);
  m.calm(t0, t1, "us-east-1a", "m5.large", 0.60);
  m.swinging(t0, t1, "us-east-1a", "c5.24xlarge", 0.9, 0.7);
  m.calm(t0, t1, "us-east-1a", "m5.24xlarge", 0.0);
  m.join(t0 - kMinuteMs, "small", "us-east-1a", "c5.large");
  m.join(t0 - kMinuteMs, "drained", "us-east-1a", "c5.large");
  m.join(t0 - kMinuteMs, "evacuated", "us-east-1a", "c5.large");
  // Its own fleet (once its pool's swings show in its volatility): in the default fleet of 3 small
  // nodes, the family cap leaves room for floor(0.4 * 3) = 1 node in m5, which the EVACUATE takes.
  m.join(t0 + kHourMs, "big", "us-east-1a", "c5.24xlarge", "batch");
  m.signal(t0 + 2 * kHourMs, SignalKind::Rebalance, "drained");
  m.signal(t0 + 2 * kHourMs + kMinuteMs, SignalKind::Interruption, "evacuated");
  publish(m, false);
  const auto all = run("reference");

  // "small" shares its pool with "evacuated": the notice drains it at once (a sibling); "drained"
  // had its own signal before and is left alone.
  const auto small = of(all, "small");
  ASSERT_EQ(small.size(), 2u) << dump(all);
  EXPECT_EQ(small[0].kind, DecisionKind::Stay) << dump(small);
  EXPECT_EQ(small[1].kind, DecisionKind::Drain) << dump(small);
  EXPECT_EQ(small[1].why, "sibling");
  EXPECT_EQ(small[1].ts, t0 + 2 * kHourMs + kMinuteMs);
  EXPECT_NE(small[1].reason.find("i-evacuated"), std::string::npos) << small[1].reason;
  // The join's STAY carries no probability (none is known in event time yet); the pool's score is
  // in the table: p = 0.28.
  const auto c5 = services_->table.latest("us-east-1a/c5.large/Linux/UNIX");
  ASSERT_TRUE(c5);
  EXPECT_NEAR(c5->crash_probability, 0.28, 1e-9);

  const auto drained = of(all, "drained");
  ASSERT_EQ(drained.size(), 2u) << dump(drained);
  EXPECT_EQ(drained.back().kind, DecisionKind::Drain) << dump(drained);
  EXPECT_EQ(drained.back().signal, "rebalance-recommendation");
  EXPECT_NEAR(drained.back().crash_probability, 0.28, 1e-9);

  const auto evacuated = of(all, "evacuated");
  ASSERT_FALSE(evacuated.empty());
  EXPECT_EQ(evacuated.back().kind, DecisionKind::Evacuate) << dump(evacuated);
  // The replacement: m5.large is the compatible pool with the best yield (m5.24xlarge holds 48 of
  // the node's 2 vCPU / 4 GiB but costs more per node than the own pool: rightsizing rejects it).
  EXPECT_EQ(evacuated.back().target, "us-east-1a/m5.large/Linux/UNIX") << dump(evacuated);

  const auto big = of(all, "big");
  ASSERT_GE(big.size(), 2u) << dump(all);
  EXPECT_EQ(big.front().kind, DecisionKind::Stay);  // the join
  const Decision& sw = big[1];
  EXPECT_EQ(sw.kind, DecisionKind::Switch) << dump(big);
  EXPECT_EQ(sw.target, "us-east-1a/m5.24xlarge/Linux/UNIX") << dump(big);
  EXPECT_GT(sw.crash_probability, 0.85);
  EXPECT_NEAR(sw.crash_probability, 0.92, 0.015);
  EXPECT_EQ(sw.model.rfind("heuristic-v1@", 0), 0u) << sw.model;  // the risk model and its version
  EXPECT_NE(sw.reason.find("above the safety gate 0.85"), std::string::npos) << sw.reason;
  EXPECT_EQ(big.back().kind, DecisionKind::Switch);  // held: no flapping back

  // REST evaluation from the same live state agrees with the stream.
  EvaluateServer rest(services_);
  auto ask = [&](const std::string& body) { return nlohmann::json::parse(rest.evaluate(body).body); };
  const auto r_small = ask(R"({"instance_type":"c5.large","availability_zone":"us-east-1a"})");
  EXPECT_EQ(r_small["decision"], "STAY") << r_small.dump();
  EXPECT_NEAR(r_small["crash_probability"].get<double>(), 0.28, 1e-9);
  EXPECT_EQ(r_small["aws_signal"], "none");
  EXPECT_FALSE(r_small.contains("target"));
  const auto r_big = ask(R"({"instance_type":"c5.24xlarge","availability_zone":"us-east-1a"})");
  EXPECT_EQ(r_big["decision"], "SWITCH") << r_big.dump();
  EXPECT_EQ(r_big["target"], sw.target);
  EXPECT_GT(r_big["crash_probability"].get<double>(), 0.85);
  const auto r_drain = ask(R"({"instance_type":"c5.large","availability_zone":"us-east-1a","instance_id":"i-drained"})");
  EXPECT_EQ(r_drain["decision"], "DRAIN") << r_drain.dump();
  EXPECT_EQ(r_drain["aws_signal"], "rebalance-recommendation");
  const auto r_evac = ask(R"({"instance_type":"c5.large","availability_zone":"us-east-1a","instance_id":"i-evacuated"})");
  EXPECT_EQ(r_evac["decision"], "EVACUATE") << r_evac.dump();
  EXPECT_EQ(r_evac["target"], evacuated.back().target);
  EXPECT_EQ(r_evac["aws_signal"], "interruption-notice:terminate");

  // The same over HTTP, on a free port.
  const int port = rest.start("127.0.0.1", 0);
  httplib::Client client("127.0.0.1", port);
  const auto res = client.Post("/api/v1/evaluate", R"({"instance_type":"c5.24xlarge","availability_zone":"us-east-1a"})",
                               "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  const auto j = nlohmann::json::parse(res->body);
  EXPECT_EQ(j["decision"], "SWITCH");
  EXPECT_EQ(j["target"], sw.target);
  EXPECT_GE(j["execution_time_ms"].get<double>(), 0.0);  // its speed is measured in bench/, not here
  const auto health = client.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(nlohmann::json::parse(health->body)["pools"], 4);
  const auto bad = client.Post("/api/v1/evaluate", R"({"instance_type":"c5.large"})", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->body.find("availability_zone"), std::string::npos);
  const auto unknown = client.Post("/api/v1/evaluate", R"({"instance_type":"c5.large","availability_zone":"us-east-1f"})",
                                   "application/json");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  rest.stop();
}

// A calm Saturday (time score 1), then the c5 family in us-east-1a spikes: c5.24xlarge first, and
// c5.large follows it (hardware contagion, as the synthetic market models it), which takes the small
// size's volatility score towards 0: p from 1 - (0.45 + 0.25 + 0.1*0.6 + 0.05) = 0.19 to 0.44-0.48.
// Ten nodes on us-east-1a/c5.large must leave the c5 family or the AZ, and the 40% family cap
// must hold: m5.large (best yield) takes 4 nodes, r5.large the next 4, c5.large in us-east-1b
// (same family, other AZ) the last 2. Two nodes got AWS signals before the spike: their signal
// decisions stand, no SWITCH after them.
TEST_F(DecisionScenarios, FamilySpikeSwitchesNodesOutWithinTheFamilyCap) {
  Market m;
  const TimestampMs t0 = at("2025-01-04T06:00:00Z");  // Saturday
  const TimestampMs spike = t0 + 6 * kHourMs, t1 = spike + 6 * kHourMs;
  m.calm(t0, spike, "us-east-1a", "c5.large", 0.60);
  m.swinging(spike, t1, "us-east-1a", "c5.large", 0.60, 0.20);
  m.calm(t0, spike, "us-east-1a", "c5.24xlarge", 0.60);
  m.swinging(spike - 30 * kMinuteMs, t1, "us-east-1a", "c5.24xlarge", 0.60, 0.05);
  m.calm(t0, t1, "us-east-1a", "m5.large", 0.60);
  m.calm(t0, t1, "us-east-1a", "r5.large", 0.60);
  m.calm(t0, t1, "us-east-1b", "c5.large", 0.30);
  m.calm(t0, t1, "us-east-1a", "c6g.large", 0.80);  // arm64: never a candidate for x86 nodes
  for (int i = 0; i < 12; ++i) m.join(t0 - kMinuteMs, "n" + std::to_string(10 + i), "us-east-1a", "c5.large");
  m.signal(t0 + 2 * kHourMs, SignalKind::Rebalance, "n20");
  m.signal(t0 + 3 * kHourMs, SignalKind::Interruption, "n21");
  publish(m);
  // This scenario is about the family cap: n21's notice would otherwise drain its ten siblings
  // before the spike (SiblingsDrainAndNoticedPoolsCoolDown tests that).
  base_.set("decisions.sibling_reaction", "none");
  const auto all = run("spike");

  std::map<std::string, Decision> last;
  for (const auto& d : all) {
    if (d.kind == DecisionKind::Switch) {
      EXPECT_GE(d.ts, spike) << "calm market: no SWITCH before the spike\n" << dump(all);
    }
    last[d.node_id] = d;
  }
  ASSERT_EQ(last.size(), 12u);
  EXPECT_EQ(last["n20"].kind, DecisionKind::Drain) << dump(of(all, "n20"));
  EXPECT_EQ(last["n21"].kind, DecisionKind::Evacuate) << dump(of(all, "n21"));
  for (const auto* n : {"n20", "n21"})
    for (const auto& d : of(all, n)) EXPECT_NE(d.kind, DecisionKind::Switch) << dump(of(all, n));

  std::map<std::string, int> by_family;
  std::set<std::string> targets;
  for (int i = 10; i < 20; ++i) {
    const auto& d = last["n" + std::to_string(i)];
    ASSERT_EQ(d.kind, DecisionKind::Switch) << dump(of(all, d.node_id));
    EXPECT_NE(d.target.rfind("us-east-1a/c5.", 0), 0u) << "must leave the c5 family or the AZ: " << d.target;
    EXPECT_EQ(d.target.find("c6g"), std::string::npos) << d.target;
    EXPECT_GT(d.crash_probability, 0.3);  // rising with the volatility when they switch
    ++by_family[family(d.target)];
    targets.insert(d.target);
  }
  // 12 nodes in the fleet: at most floor(0.4 * 12) = 4 steered into any other family.
  EXPECT_EQ(by_family["m5"], 4) << dump(all);
  EXPECT_EQ(by_family["r5"], 4) << dump(all);
  EXPECT_EQ(by_family["c5"], 2) << dump(all);  // us-east-1b
  EXPECT_TRUE(targets.count("us-east-1b/c5.large/Linux/UNIX"));
}

// One type in two AZs: at an instant the nodes of equal needs share one ranking, and these are
// not equal (their own pools differ). The node whose pool spikes leaves it; its twin in the calm
// AZ, which comes first in an instant's order, stays where it is.
TEST_F(DecisionScenarios, OneTypeInTwoAzsIsRankedPerAz) {
  Market m;
  const TimestampMs t0 = at("2025-01-04T06:00:00Z");  // Saturday
  const TimestampMs spike = t0 + 6 * kHourMs, t1 = spike + 6 * kHourMs;
  m.calm(t0, spike, "us-east-1a", "c5.large", 0.60);
  m.swinging(spike, t1, "us-east-1a", "c5.large", 0.60, 0.20);
  m.calm(t0, t1, "us-east-1b", "c5.large", 0.60);
  m.calm(t0, t1, "us-east-1a", "m5.large", 0.60);
  m.join(t0 - kMinuteMs, "a-calm", "us-east-1b", "c5.large");
  m.join(t0 - kMinuteMs, "b-spiking", "us-east-1a", "c5.large");
  publish(m);
  const auto all = run("twins");
  const auto calm = of(all, "a-calm"), spiking = of(all, "b-spiking");
  ASSERT_FALSE(calm.empty() || spiking.empty()) << dump(all);
  for (const auto& d : calm) EXPECT_EQ(d.kind, DecisionKind::Stay) << dump(calm);
  EXPECT_EQ(spiking.back().kind, DecisionKind::Switch) << dump(spiking);
  EXPECT_GE(spiking.back().ts, spike) << dump(spiking);
  EXPECT_NE(spiking.back().target, "us-east-1a/c5.large/Linux/UNIX") << dump(spiking);
}

// Hysteresis, off hours: c5.large at depth 0 has p = 1 - (0.45 + 0.25 + 0 + 0.05) = 0.25.
// m5.large at depth 0.4 (p = 0.21: 4 points better, and 45% cheaper) is not worth a switch: STAY;
// at depth 0.6 (p = 0.19: 6 points better with a saving over 5%) it is: SWITCH. (The dwell time
// and target stickiness are tested on the policy itself in decision_layers_test.cpp.)
TEST_F(DecisionScenarios, MarginalImprovementDoesNotSwitch) {
  Market m;
  const TimestampMs t0 = at("2025-01-04T06:00:00Z");
  m.calm(t0, t0 + 3 * kHourMs, "us-east-1a", "c5.large", 0.0);
  m.calm(t0, t0 + 3 * kHourMs, "us-east-1a", "m5.large", 0.40);
  m.calm(t0, t0 + 3 * kHourMs, "us-east-1b", "c5.xlarge", 0.0);  // holds 2 nodes at twice the price: not cheaper per node
  m.join(t0 - kMinuteMs, "marginal", "us-east-1a", "c5.large");
  publish(m);
  const auto ds = of(run("hysteresis"), "marginal");
  ASSERT_EQ(ds.size(), 1u) << dump(ds);  // the join's STAY, and no change since
  EXPECT_EQ(ds[0].kind, DecisionKind::Stay);
  EvaluateServer rest(services_);
  const auto r = nlohmann::json::parse(rest.evaluate(R"({"instance_type":"c5.large","availability_zone":"us-east-1a"})").body);
  EXPECT_EQ(r["decision"], "STAY") << r.dump();
  EXPECT_NE(r["reason"].get<std::string>().find("gains only 4.0 stability points"), std::string::npos) << r.dump();
}

TEST_F(DecisionScenarios, SixPointsWithASavingSwitches) {
  Market m;
  const TimestampMs t0 = at("2025-01-04T06:00:00Z");
  m.calm(t0, t0 + 3 * kHourMs, "us-east-1a", "c5.large", 0.0);
  m.calm(t0, t0 + 3 * kHourMs, "us-east-1a", "m5.large", 0.60);
  m.join(t0 - kMinuteMs, "n", "us-east-1a", "c5.large");
  publish(m);
  const auto ds = of(run("saving"), "n");
  ASSERT_EQ(ds.size(), 2u) << dump(ds);
  EXPECT_EQ(ds[1].kind, DecisionKind::Switch);
  EXPECT_EQ(ds[1].target, "us-east-1a/m5.large/Linux/UNIX");
  EXPECT_NEAR(ds[1].crash_probability, 0.25, 1e-9);
}

// No safe pool: c5.24xlarge above the gate, and nothing else in the region can host 96 vCPU / 192
// GiB except c5.24xlarge in other AZs, which the Spot Advisor puts in band >20%: SWITCH to
// on-demand, saying why; an interruption notice then names on-demand as the replacement.
TEST_F(DecisionScenarios, NoSafePoolNamesOnDemand) {
  Market m;
  const TimestampMs t0 = at("2025-01-06T14:30:00Z");
  m.swinging(t0, t0 + 3 * kHourMs, "us-east-1a", "c5.24xlarge", 0.9, 0.7);
  m.calm(t0, t0 + 3 * kHourMs, "us-east-1b", "c5.24xlarge", 0.9);
  m.calm(t0, t0 + 3 * kHourMs, "us-east-1a", "m5.large", 0.6);  // too small
  m.join(t0 - kMinuteMs, "big", "us-east-1a", "c5.24xlarge");
  m.join(t0 - kMinuteMs, "big2", "us-east-1a", "c5.24xlarge");
  m.signal(t0 + 2 * kHourMs, SignalKind::Interruption, "big2");
  publish(m);
  const auto all = run("nosafe");
  const auto big = of(all, "big");
  ASSERT_EQ(big.size(), 3u) << dump(all);
  EXPECT_EQ(big[1].kind, DecisionKind::Switch);
  EXPECT_EQ(big[1].target, "on-demand");
  EXPECT_EQ(big[2].kind, DecisionKind::Drain);  // big2's notice: its sibling drains
  EXPECT_EQ(big[2].why, "sibling");
  EXPECT_NE(big[1].reason.find("no safe spot pool"), std::string::npos) << big[1].reason;
  EXPECT_NE(big[1].reason.find("1 in Spot Advisor band above 3"), std::string::npos) << big[1].reason;
  EXPECT_NE(big[1].reason.find("1 hardware-incompatible"), std::string::npos) << big[1].reason;
  const auto big2 = of(all, "big2");
  ASSERT_FALSE(big2.empty());
  EXPECT_EQ(big2.back().kind, DecisionKind::Evacuate);
  EXPECT_EQ(big2.back().target, "on-demand");
}

// Interruptions come in bursts within a pool. A notice for m1 drains its sibling m2 at the notice's
// time; ten minutes later a notice for c1 drains c2 and c3, and its replacement is not m5.large, the
// best yield (what the REST evaluation, which knows no notices, names) but in cool-down after m1's
// notice. A rebalance recommendation for b1 drains b1 only. The same decisions with 1 and 3 shards.
TEST_F(DecisionScenarios, SiblingsDrainAndNoticedPoolsCoolDown) {
  Market m;
  const TimestampMs t0 = at("2025-01-06T14:30:00Z");
  const TimestampMs t1 = t0 + 3 * kHourMs;
  m.calm(t0, t1, "us-east-1a", "c5.large", 0.20);
  m.calm(t0, t1, "us-east-1a", "m5.large", 0.60);
  m.calm(t0, t1, "us-east-1a", "r5.large", 0.60);
  m.calm(t0, t1, "us-east-1b", "c5.large", 0.30);
  for (const auto* n : {"m1", "m2"}) m.join(t0 - kMinuteMs, n, "us-east-1a", "m5.large");
  for (const auto* n : {"c1", "c2", "c3"}) m.join(t0 - kMinuteMs, n, "us-east-1a", "c5.large");
  for (const auto* n : {"b1", "b2"}) m.join(t0 - kMinuteMs, n, "us-east-1b", "c5.large");
  const TimestampMs first = t0 + kHourMs, second = first + 10 * kMinuteMs, rebalance = t0 + 2 * kHourMs;
  m.signal(first, SignalKind::Interruption, "m1");
  m.signal(second, SignalKind::Interruption, "c1");
  m.signal(rebalance, SignalKind::Rebalance, "b1");
  const std::vector<Event> market = m.events;
  publish(m, false);
  const auto one = run("siblings-1", 1);

  const auto last = [&](const std::string& node) { return of(one, node).back(); };
  EXPECT_EQ(last("m1").kind, DecisionKind::Evacuate);
  for (const auto* n : {"m2", "c2", "c3"}) {
    const Decision d = last(n);
    EXPECT_EQ(d.kind, DecisionKind::Drain) << dump(of(one, n));
    EXPECT_EQ(d.why, "sibling") << dump(of(one, n));
    EXPECT_EQ(d.ts, std::string(n) == "m2" ? first : second) << dump(of(one, n));
  }
  const Decision c1 = last("c1");
  EXPECT_EQ(c1.kind, DecisionKind::Evacuate) << dump(of(one, "c1"));
  EXPECT_EQ(c1.why, "signal");
  EXPECT_FALSE(c1.target.empty());
  EXPECT_NE(c1.target, "us-east-1a/m5.large/Linux/UNIX") << c1.reason;
  EXPECT_NE(c1.target, "us-east-1a/c5.large/Linux/UNIX") << c1.reason;
  EvaluateServer rest(services_);
  const auto ask = [&](const std::string& body) { return nlohmann::json::parse(rest.evaluate(body).body); };
  const auto r = ask(R"({"instance_type":"c5.large","availability_zone":"us-east-1a","instance_id":"i-c1"})");
  EXPECT_EQ(r["target"], c1.target) << r.dump();
  // Without the cool-down the replacement would be m5.large.
  FleetEvent c5;
  c5.region = "us-east-1";
  c5.az = "us-east-1a";
  c5.instance_type = "c5.large";
  c5.product = "Linux/UNIX";
  EXPECT_EQ(services_->engine.evaluate(services_->engine.filter().needs_of(c5)).replacement,
            "us-east-1a/m5.large/Linux/UNIX");
  const auto r2 = ask(R"({"instance_type":"c5.large","availability_zone":"us-east-1a","instance_id":"i-c2"})");
  EXPECT_EQ(r2["decision"], "DRAIN") << r2.dump();
  EXPECT_EQ(r2["why"], "sibling") << r2.dump();
  EXPECT_EQ(last("b1").kind, DecisionKind::Drain);
  EXPECT_EQ(of(one, "b2").size(), 1u) << dump(of(one, "b2"));  // the join only: a rebalance tells no sibling

  m.events = market;
  publish(m, false);
  const auto three = run("siblings-3", 3);
  const auto key = [](const std::vector<Decision>& ds) {
    std::set<std::string> k;
    for (const auto& d : ds) k.insert(d.decision_id + " " + to_string(d.kind) + " " + d.why + " " + std::to_string(d.ts));
    return k;
  };
  EXPECT_EQ(key(one), key(three));
}
