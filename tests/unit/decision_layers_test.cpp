// The decision layers on their own: the risk table's as-of reads and completeness, the static
// filter, the yield ranking against the formula computed by hand, and the switch policy's
// hysteresis, dwell time and target stickiness over a flickering market.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "operators/decision/model_decisions.hpp"

using namespace spotstream;

namespace {

PoolRisk pool(const std::string& az, const std::string& type, double p, double price, TimestampMs ts = 0, int band = 1) {
  PoolRisk r;
  r.region = "us-east-1";
  r.az = az;
  r.instance_type = type;
  r.product = "Linux/UNIX";
  r.family = type.substr(0, type.find('.'));
  r.pool = az + "/" + type + "/Linux/UNIX";
  r.crash_probability = p;
  r.spot_price = price;
  r.ts = ts;
  r.band = band;
  r.model = "test";
  return r;
}

NodeNeeds node(const std::string& type = "c5.large") {
  NodeNeeds n;
  n.region = "us-east-1";
  n.az = "us-east-1a";
  n.instance_type = type;
  n.product = "Linux/UNIX";
  n.family = type.substr(0, type.find('.'));
  return n;
}

}  // namespace

TEST(DecisionLayers, ArchitectureFromTheTypeName) {
  EXPECT_EQ(architecture_of("m6g.large"), "arm64");
  EXPECT_EQ(architecture_of("c7gn.16xlarge"), "arm64");
  EXPECT_EQ(architecture_of("x2gd.xlarge"), "arm64");
  EXPECT_EQ(architecture_of("a1.medium"), "arm64");
  EXPECT_EQ(architecture_of("g4dn.xlarge"), "x86_64");
  EXPECT_EQ(architecture_of("g5.xlarge"), "x86_64");
  EXPECT_EQ(architecture_of("c5.large"), "x86_64");
  for (const char* f : {"p3", "g4dn", "g5", "inf2", "trn1", "dl1", "f1", "vt1"}) EXPECT_TRUE(accelerated_family(f)) << f;
  for (const char* f : {"c5", "m6g", "r5", "x2gd", "m5"}) EXPECT_FALSE(accelerated_family(f)) << f;
}

TEST(DecisionLayers, AcceleratedNodesStayInTheirFamily) {
  DecisionSettings s;
  const CandidateFilter filter(nullptr, s);
  auto gpu = pool("us-east-1a", "p3.8xlarge", 0.5, 12.0);
  std::vector<PoolRisk> pools = {gpu, pool("us-east-1b", "p3.8xlarge", 0.2, 12.0), pool("us-east-1a", "r5.24xlarge", 0.1, 2.0)};
  const auto f = filter(node("p3.8xlarge"), pools);
  ASSERT_EQ(f.others.size(), 1u);
  EXPECT_EQ(f.others[0].risk->pool, "us-east-1b/p3.8xlarge/Linux/UNIX");
  EXPECT_EQ(f.incompatible, 1);
}

TEST(DecisionLayers, RiskTableReadsAsOfAnEventTimeAndKnowsHowFarItIsComplete) {
  RiskTable t(300000);
  auto a = t.add_feeder(), b = t.add_feeder();
  EXPECT_EQ(t.complete_through(), std::numeric_limits<TimestampMs>::min());
  a.update(pool("us-east-1a", "c5.large", 0.2, 0.03, 1000));
  a.update(pool("us-east-1a", "c5.large", 0.5, 0.03, 400000));
  b.update(pool("us-east-1b", "c5.large", 0.3, 0.03, 200000));
  auto at = [&](TimestampMs ts) {
    std::map<std::string, double> m;
    for (const auto& p : t.region_as_of("us-east-1", ts)) m[p.pool] = p.crash_probability;
    return m;
  };
  EXPECT_EQ(at(0).size(), 0u);
  EXPECT_EQ(at(1000), (std::map<std::string, double>{{"us-east-1a/c5.large/Linux/UNIX", 0.2}}));
  EXPECT_EQ(at(399999).size(), 2u);
  EXPECT_EQ(at(399999).at("us-east-1a/c5.large/Linux/UNIX"), 0.2);
  EXPECT_EQ(at(RiskTable::kLatest).at("us-east-1a/c5.large/Linux/UNIX"), 0.5);
  a.advance(500000);
  EXPECT_EQ(t.complete_through(), std::numeric_limits<TimestampMs>::min());  // b holds it back
  b.advance(350000);
  EXPECT_EQ(t.complete_through(), 350000);
  // Instants of the grid at or after each score's time, each once, up to what is asked.
  EXPECT_EQ(t.take_changed_instants(350000), (std::vector<TimestampMs>{300000}));
  EXPECT_EQ(t.take_changed_instants(RiskTable::kLatest), (std::vector<TimestampMs>{600000}));
  t.release_before(450000);  // keeps the latest entry at or before 450000
  EXPECT_EQ(at(450000).at("us-east-1a/c5.large/Linux/UNIX"), 0.5);
  EXPECT_EQ(at(450000).at("us-east-1b/c5.large/Linux/UNIX"), 0.3);
}

// Static filter and ranking over hand-computed yields. c5.large needs 2 vCPU / 4 GiB (the project's
// hardware table): m5.large fits, m6g.large is arm64, r5.large is band >20%; the node pays for the
// whole instance, so a larger size is admitted only when the whole of it costs no more than the own
// pool (c5.xlarge below c5.large's price: spot arbitrage), never for its price per node it could hold.
TEST(DecisionLayers, FilterAndRankingFollowTheFormula) {
  DecisionSettings s;
  const CandidateFilter filter(nullptr, s);
  const PoolRanking ranking(s);
  std::vector<PoolRisk> pools = {
      pool("us-east-1a", "c5.large", 0.40, 0.060),      // own
      pool("us-east-1a", "m5.large", 0.20, 0.050),      // tco 0.050
      pool("us-east-1b", "c5.large", 0.10, 0.040),      // tco 0.040, other AZ (-2)
      pool("us-east-1a", "m6g.large", 0.05, 0.020),     // arm64: incompatible
      pool("us-east-1a", "r5.large", 0.05, 0.020, 0, 4),  // band >20%
      pool("us-east-1a", "c5.xlarge", 0.15, 0.055),     // whole instance below the own 0.060: admitted at 0.055
      pool("us-east-1a", "m5.xlarge", 0.15, 0.100),     // 0.050 per node it could hold, 0.100 whole: refused
      pool("us-east-1c", "m5.large", 0.90, 0.010),      // above the gate
  };
  pools[0].on_demand_price = 0.085;
  const Ranking r = ranking(filter(node(), pools));
  ASSERT_TRUE(r.own);
  EXPECT_EQ(r.filter.incompatible, 1);
  EXPECT_EQ(r.filter.band_rejected, 1);
  EXPECT_EQ(r.filter.larger_not_cheaper, 1);
  EXPECT_EQ(r.gated, 1);
  // maxTCO = max(own 0.060, candidates, own on-demand 0.085) = 0.085.
  auto yield = [](double tco, double p) { return 100.0 * (1 - tco / 0.085) * (1 - p); };
  EXPECT_NEAR(r.own->yield, yield(0.060, 0.40), 1e-9);
  ASSERT_EQ(r.ranked.size(), 3u);
  std::map<std::string, double> want = {{"us-east-1a/m5.large/Linux/UNIX", yield(0.050, 0.20)},
                                        {"us-east-1b/c5.large/Linux/UNIX", yield(0.040, 0.10) - 2},
                                        {"us-east-1a/c5.xlarge/Linux/UNIX", yield(0.055, 0.15)}};
  for (const auto& c : r.ranked) EXPECT_NEAR(c.yield, want.at(c.risk->pool), 1e-9) << c.risk->pool;
  for (std::size_t i = 1; i < r.ranked.size(); ++i) EXPECT_GE(r.ranked[i - 1].yield, r.ranked[i].yield);
}

// A candidate flickering between clearly better and not better every 10 minutes for 12 hours: the
// policy changes its decision at most once per dwell hour, and a SWITCH in force only ends when the
// own pool beats the target by the hysteresis margins.
TEST(DecisionLayers, HysteresisAndDwellStopFlapping) {
  DecisionSettings s;
  const SwitchPolicy policy(s);
  const PoolRanking ranking(s);
  const CandidateFilter filter(nullptr, s);
  ModelState state;
  int changes = 0;
  TimestampMs last_change = 0;
  for (TimestampMs t = 0; t < 12 * 3600000; t += 600000) {
    const bool good = (t / 600000) % 2 == 0;
    std::vector<PoolRisk> pools = {pool("us-east-1a", "c5.large", 0.30, 0.050, t),
                                   pool("us-east-1b", "c5.large", good ? 0.10 : 0.28, 0.050, t)};
    pools[0].on_demand_price = 0.085;
    const auto r = ranking(filter(node(), pools));
    const Verdict v = policy(node(), r, state, t, nullptr);
    if (v.kind != state.kind || v.target != state.target) {
      if (changes > 0) {
        EXPECT_GE(t - last_change, s.min_dwell_ms);
      }
      ++changes;
      last_change = t;
      state = ModelState{v.kind, v.target, t, {}};
    }
  }
  // It switches on the first good reading and then holds: the own pool never beats the target by
  // 10 points (0.30 vs 0.28 at best), so the SWITCH stands.
  EXPECT_EQ(changes, 1);
  EXPECT_EQ(state.kind, DecisionKind::Switch);
  EXPECT_EQ(state.target, "us-east-1b/c5.large/Linux/UNIX");
}

TEST(DecisionLayers, GateBreachWithNoSafePoolGoesOnDemand) {
  DecisionSettings s;
  const SwitchPolicy policy(s);
  const PoolRanking ranking(s);
  const CandidateFilter filter(nullptr, s);
  std::vector<PoolRisk> pools = {pool("us-east-1a", "c5.large", 0.92, 0.050), pool("us-east-1b", "c5.large", 0.90, 0.050)};
  const Verdict v = policy(node(), ranking(filter(node(), pools)), ModelState{}, 0, nullptr);
  EXPECT_EQ(v.kind, DecisionKind::Switch);
  EXPECT_EQ(v.target, "on-demand");
  EXPECT_NE(v.reason.find("1 above the safety gate"), std::string::npos) << v.reason;
  EXPECT_TRUE(std::isnan(v.yield));
}

// Whole-instance costs, by hand. A c5.large node (own pool p = 0.40 at $0.085/h): c5.24xlarge is far
// safer (p = 0.10: 30 points) and holds 48 such nodes at $1.10/h, $0.023 per node; it is never a
// candidate (the node would pay $1.10/h), so the node stays. When c5.xlarge trades below c5.large
// ($0.080 for the whole instance: arbitrage) and is safer by 15 points, the node switches there.
// And a same-size pool that is 12 points safer but dearer ($0.090) is not worth a SWITCH without
// a safety reason; above the safety gate it is.
TEST(DecisionLayers, WholeInstanceCostsDecide) {
  DecisionSettings s;
  const SwitchPolicy policy(s);
  const PoolRanking ranking(s);
  const CandidateFilter filter(nullptr, s);
  const auto decide = [&](std::vector<PoolRisk> pools) {
    pools[0].on_demand_price = 0.17;
    return policy(node(), ranking(filter(node(), pools)), ModelState{}, 0, nullptr);
  };
  Verdict v = decide({pool("us-east-1a", "c5.large", 0.40, 0.085), pool("us-east-1a", "c5.24xlarge", 0.10, 1.10)});
  EXPECT_EQ(v.kind, DecisionKind::Stay) << v.reason;
  EXPECT_NE(v.reason.find("no other safe candidate"), std::string::npos) << v.reason;

  v = decide({pool("us-east-1a", "c5.large", 0.40, 0.085), pool("us-east-1a", "c5.24xlarge", 0.10, 1.10),
              pool("us-east-1a", "c5.xlarge", 0.25, 0.080)});
  EXPECT_EQ(v.kind, DecisionKind::Switch) << v.reason;
  EXPECT_EQ(v.target, "us-east-1a/c5.xlarge/Linux/UNIX");
  EXPECT_NE(v.reason.find("$0.0800/h for a size holding 2 such nodes"), std::string::npos) << v.reason;
  EXPECT_EQ(v.why, "gain_and_saving");  // 15 points safer and 5.9% cheaper
  EXPECT_DOUBLE_EQ(v.current_price, 0.085);
  EXPECT_DOUBLE_EQ(v.target_price, 0.080);

  v = decide({pool("us-east-1a", "c5.large", 0.40, 0.085), pool("us-east-1a", "m5.large", 0.25, 0.085)});
  EXPECT_EQ(v.kind, DecisionKind::Switch) << v.reason;  // 15 points safer at the same price
  EXPECT_EQ(v.why, "gain");
  v = decide({pool("us-east-1a", "c5.large", 0.40, 0.085), pool("us-east-1a", "m5.large", 0.28, 0.090)});
  EXPECT_EQ(v.kind, DecisionKind::Stay) << v.reason;
  v = decide({pool("us-east-1a", "c5.large", 0.90, 0.085), pool("us-east-1a", "m5.large", 0.28, 0.090)});
  EXPECT_EQ(v.kind, DecisionKind::Switch) << v.reason;
  EXPECT_EQ(v.target, "us-east-1a/m5.large/Linux/UNIX");
  EXPECT_NE(v.reason.find("above the safety gate"), std::string::npos) << v.reason;
  EXPECT_EQ(v.why, "gate");  // a safety move: it may cost more, and says so
  EXPECT_DOUBLE_EQ(v.current_price, 0.085);
  EXPECT_DOUBLE_EQ(v.target_price, 0.090);
}

// Prices move after a SWITCH. A node switched from us-east-1a (p = 0.40) to us-east-1b (p = 0.25,
// both $0.050/h). Later us-east-1b costs $0.060 and the own pool is back to p = 0.25 at $0.050:
// as safe, 16.7% cheaper, so the SWITCH is revoked (STAY home), although the own pool gains no
// stability points. With the own pool at p = 0.26 (riskier, if by one point) the SWITCH stands; a
// third pool as safe as the target at $0.055 (8.3% cheaper than it) takes the node: why "saving".
TEST(DecisionLayers, ASwitchInForceGivesWayToAsSafeAndCheaper) {
  DecisionSettings s;
  const SwitchPolicy policy(s);
  const PoolRanking ranking(s);
  const CandidateFilter filter(nullptr, s);
  const ModelState in_force{DecisionKind::Switch, "us-east-1b/c5.large/Linux/UNIX", 0, {}};
  const TimestampMs later = 2 * s.min_dwell_ms;
  const auto decide = [&](std::vector<PoolRisk> pools) {
    pools[0].on_demand_price = 0.085;
    return policy(node(), ranking(filter(node(), pools)), in_force, later, nullptr);
  };
  Verdict v = decide({pool("us-east-1a", "c5.large", 0.25, 0.050), pool("us-east-1b", "c5.large", 0.25, 0.060)});
  EXPECT_EQ(v.kind, DecisionKind::Stay) << v.reason;
  v = decide({pool("us-east-1a", "c5.large", 0.26, 0.050), pool("us-east-1b", "c5.large", 0.25, 0.060)});
  EXPECT_EQ(v.kind, DecisionKind::Switch) << v.reason;
  EXPECT_EQ(v.target, "us-east-1b/c5.large/Linux/UNIX");
  // A saving under min_saving (5%) keeps the target: $0.058 is 3.3% below $0.060.
  v = decide({pool("us-east-1a", "c5.large", 0.26, 0.050), pool("us-east-1b", "c5.large", 0.25, 0.060),
              pool("us-east-1c", "c5.large", 0.25, 0.058)});
  EXPECT_EQ(v.target, "us-east-1b/c5.large/Linux/UNIX") << v.reason;
  v = decide({pool("us-east-1a", "c5.large", 0.26, 0.050), pool("us-east-1b", "c5.large", 0.25, 0.060),
              pool("us-east-1c", "c5.large", 0.25, 0.055)});
  EXPECT_EQ(v.kind, DecisionKind::Switch) << v.reason;
  EXPECT_EQ(v.target, "us-east-1c/c5.large/Linux/UNIX") << v.reason;
  EXPECT_EQ(v.why, "saving");
  EXPECT_NE(v.reason.find("now beats the previous target us-east-1b"), std::string::npos) << v.reason;
}
