// Consolidation plans, by hand: c5.large nodes (2 vCPU, 4 GiB) that would each SWITCH to a c5.large
// at $0.040/h; the larger c5 sizes of the region hold 2, 4, 8 and 18 of them. Every figure below is
// computed here from the prices, never read back from the planner.
#include "operators/decision/consolidation_planner.hpp"

#include <gtest/gtest.h>

namespace spotstream {
namespace {

PoolRisk pool_risk(const std::string& az, const std::string& type, double p, double price) {
  PoolRisk r;
  r.pool = PoolId::text(az, type, "Linux/UNIX");
  r.region = "us-east-1";
  r.az = az;
  r.instance_type = type;
  r.product = "Linux/UNIX";
  r.family = "c5";
  r.ts = 1;
  r.crash_probability = p;
  r.spot_price = price;
  return r;
}

struct ConsolidationFixture {
  DecisionSettings s;  // gate 0.85, min saving 5%
  CandidateFilter filter{nullptr, s};
  ConsolidationPlanner planner{s, filter};
  std::vector<PoolRisk> pools = {
      pool_risk("us-east-1a", "c5.large", 0.90, 0.050),    // the nodes' own pool, above the gate
      pool_risk("us-east-1b", "c5.large", 0.20, 0.040),    // where each would go alone
      pool_risk("us-east-1b", "c5.xlarge", 0.20, 0.070),   // holds 2
      pool_risk("us-east-1b", "c5.2xlarge", 0.10, 0.100),  // holds 4
      pool_risk("us-east-1c", "c5.4xlarge", 0.10, 0.130),  // holds 8
      pool_risk("us-east-1b", "c5.9xlarge", 0.90, 0.050),  // holds 18, cheapest, but above the gate
  };
  std::vector<FleetEvent> joins;

  std::vector<PlanMember> members(int n, const std::string& fleet = "web", double alone_p = 0.20) {
    joins.clear();
    joins.reserve(static_cast<std::size_t>(n));
    std::vector<PlanMember> out;
    for (int k = 0; k < n; ++k) {
      FleetEvent j;
      j.fleet = fleet;
      j.node_id = "node-" + std::to_string(k);
      j.instance_id = "i-" + std::to_string(k);
      j.region = "us-east-1";
      j.az = "us-east-1a";
      j.instance_type = "c5.large";
      j.product = "Linux/UNIX";
      joins.push_back(j);
    }
    for (const auto& j : joins) out.push_back(PlanMember{&j, filter.needs_of(j), 0.040, alone_p});
    return out;
  }
  std::vector<Plan> plan(const std::vector<PlanMember>& m, const std::string& cooling = "") const {
    return planner(m, filter.view_of(pools), [&](const std::string& p) { return p == cooling; }, 1000);
  }
};

TEST(Consolidation, ThreeNodesGoOnOneLargerInstanceThatBillsLess) {
  ConsolidationFixture f;
  const auto m = f.members(3);
  const auto plans = f.plan(m);
  // Alone: 3 x $0.040 = $0.120/h. c5.xlarge: 2 nodes for $0.070 instead of $0.080 (saves $0.010);
  // c5.2xlarge: 3 for $0.100 instead of $0.120 ($0.020); c5.4xlarge: $0.130 > $0.120; c5.9xlarge
  // is above the gate. The most saving: all three on one c5.2xlarge.
  ASSERT_EQ(plans.size(), 1u);
  EXPECT_EQ(plans[0].instance.risk->pool, "us-east-1b/c5.2xlarge/Linux/UNIX");
  EXPECT_EQ(plans[0].members, (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_NEAR(plans[0].alone_per_hour, 0.120, 1e-12);
  EXPECT_NEAR(plans[0].instance.tco, 0.100, 1e-12);  // the whole instance: what EC2 bills
  EXPECT_EQ(plans[0].instance.units, 4);
  EXPECT_EQ(plans[0].id.rfind("plan-", 0), 0u);
  const auto reason = ConsolidationPlanner::describe(plans[0], m[0]);
  EXPECT_NE(reason.find("3 nodes of fleet web"), std::string::npos) << reason;
  EXPECT_NE(reason.find("$0.1000/h the whole instance"), std::string::npos) << reason;
  EXPECT_NE(reason.find("instead of $0.1200/h"), std::string::npos) << reason;
}

TEST(Consolidation, FiveNodesTakeTheSizeThatSavesMost) {
  ConsolidationFixture f;
  // Alone $0.200/h. c5.2xlarge takes 4 ($0.160 -> $0.100, saves $0.060); c5.4xlarge takes all five
  // ($0.200 -> $0.130, saves $0.070).
  const auto plans = f.plan(f.members(5));
  ASSERT_EQ(plans.size(), 1u);
  EXPECT_EQ(plans[0].instance.risk->pool, "us-east-1c/c5.4xlarge/Linux/UNIX");
  EXPECT_EQ(plans[0].members.size(), 5u);
}

TEST(Consolidation, NoPlanWhenNothingSavesOrTheNodesDiffer) {
  ConsolidationFixture f;
  EXPECT_TRUE(f.plan(f.members(1)).empty()) << "one node is no plan";
  // Two nodes of different fleets never share an instance.
  auto m = f.members(2);
  f.joins[1].fleet = "batch";
  EXPECT_TRUE(f.plan(m).empty());
  // Alone at $0.034 each ($0.068): c5.xlarge at $0.070 costs more; nothing else holds two for less.
  m = f.members(2);
  for (auto& x : m) x.alone_price = 0.034;
  EXPECT_TRUE(f.plan(m).empty());
  // A saving under decisions.min_saving (5%): alone $0.0365 each = $0.073; c5.xlarge saves $0.003 (4.1%).
  for (auto& x : m) x.alone_price = 0.0365;
  EXPECT_TRUE(f.plan(m).empty());
  // The nodes' own targets are safer (p=0.05) than every larger size: no plan puts them at more risk.
  EXPECT_TRUE(f.plan(f.members(3, "web", 0.05)).empty());
}

TEST(Consolidation, APoolInCoolDownIsNoPlanInstance) {
  ConsolidationFixture f;
  // With c5.2xlarge cooling, c5.xlarge takes the first two (saves $0.010); the third goes alone.
  const auto plans = f.plan(f.members(3), "us-east-1b/c5.2xlarge/Linux/UNIX");
  ASSERT_EQ(plans.size(), 1u);
  EXPECT_EQ(plans[0].instance.risk->pool, "us-east-1b/c5.xlarge/Linux/UNIX");
  EXPECT_EQ(plans[0].members, (std::vector<std::size_t>{0, 1}));
}

TEST(Consolidation, APlanStandsWhileItsPoolIsASafeTarget) {
  ConsolidationFixture f;
  ModelState in_plan{DecisionKind::Switch, "us-east-1b/c5.2xlarge/Linux/UNIX", 0, "plan-1"};
  const auto none = [](const std::string&) { return false; };
  EXPECT_TRUE(f.planner.holds(in_plan, f.pools, none));
  EXPECT_FALSE(f.planner.holds(in_plan, f.pools, [](const std::string& p) { return p.find("2xlarge") != std::string::npos; }));
  f.pools[3].crash_probability = 0.9;
  EXPECT_FALSE(f.planner.holds(in_plan, f.pools, none)) << "above the gate";
  in_plan.target = "us-east-1b/c5.24xlarge/Linux/UNIX";
  EXPECT_FALSE(f.planner.holds(in_plan, f.pools, none)) << "no score";
}

}  // namespace
}  // namespace spotstream
