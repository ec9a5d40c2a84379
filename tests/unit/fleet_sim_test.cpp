// The simulated fleet's bill against sums worked out by hand: whole instances, per second with a
// 60 s minimum, both instances during a migration, the old one cut at a notice's termination, and
// an interruption suffered (instance ended, relaunched, restart cost and downtime counted).
#include <gtest/gtest.h>

#include "operators/backtest/fleet_sim.hpp"
#include "src/core/time.hpp"

using namespace spotstream;

namespace {

constexpr TimestampMs t0 = 1'736'000'000'000;
const std::string A = "us-east-1a/c5.large/Linux/UNIX";
const std::string B = "us-east-1b/c5.large/Linux/UNIX";

struct FleetFixture {
  PriceLedger ledger;
  std::vector<SimNode> nodes;
  SimSettings s;
  FleetFixture() {
    ledger.add(A, t0, 0.10);
    ledger.add(B, t0, 0.06);
    ledger.add(B, t0 + 2 * kHourMs, 0.08);
    PriceTick od;  // carries the on-demand price of c5.large
    od.ts = t0;
    od.region = "us-east-1";
    od.az = "us-east-1a";
    od.instance_type = "c5.large";
    od.product = "Linux/UNIX";
    od.spot_price = 0.10;
    od.on_demand_price = 0.085;
    ledger.add(od);
    SimNode n;
    n.join.region = "us-east-1";
    n.join.instance_type = "c5.large";
    n.home = A;
    nodes.push_back(n);
    s.migration_ms = 5 * kMinuteMs;
    s.downtime_ms = 10 * kMinuteMs;
    s.restart_cost_usd = 1.5;
  }
};

}  // namespace

TEST(FleetSim, PlannedMoveBillsBothInstancesDuringTheMigration) {
  FleetFixture f;
  FleetSim sim(f.ledger, f.s, f.nodes, t0);
  sim.place(0, A, t0);
  sim.move(0, B, t0 + kHourMs);
  EXPECT_EQ(sim.location(0), B);
  const auto out = sim.finish(t0 + 3 * kHourMs);
  // A: 1 h 05 min at 0.10; B: 1 h at 0.06 then 1 h at 0.08.
  EXPECT_NEAR(out.instance_usd, 0.10 * 65.0 / 60 + 0.06 + 0.08, 1e-12);
  EXPECT_NEAR(out.overlap_usd, 0.10 * 5.0 / 60, 1e-12);
  EXPECT_EQ(out.migrations, 1);
  EXPECT_EQ(out.suffered, 0);
  EXPECT_NEAR(out.node_hours.at(A), 65.0 / 60, 1e-12);
  EXPECT_NEAR(out.node_hours.at(B), 2.0, 1e-12);
  ASSERT_EQ(out.cumulative.size(), 4u);  // t0, +1 h, +2 h, +3 h
  EXPECT_DOUBLE_EQ(out.cumulative.front().second, 0.0);
  EXPECT_NEAR(out.cumulative[1].second, 0.10, 1e-12);
  EXPECT_NEAR(out.cumulative[2].second, 0.10 + 0.10 * 5.0 / 60 + 0.06, 1e-12);
  EXPECT_NEAR(out.cumulative.back().second, out.total_usd(), 1e-12);
}

TEST(FleetSim, EvacuationEndsTheOldInstanceAtTheTermination) {
  FleetFixture f;
  FleetSim sim(f.ledger, f.s, f.nodes, t0);
  sim.place(0, A, t0);
  sim.noticed(SignalKind::Interruption, t0 + kHourMs, t0 + kHourMs + 2 * kMinuteMs);
  sim.evacuate(0, B, t0 + kHourMs, t0 + kHourMs + 2 * kMinuteMs);
  EXPECT_FALSE(sim.runs_in(0, A, t0 + kHourMs + 2 * kMinuteMs));
  const auto out = sim.finish(t0 + 2 * kHourMs);
  EXPECT_NEAR(out.instance_usd, 0.10 * 62.0 / 60 + 0.06, 1e-12);
  EXPECT_EQ(out.evacuations, 1);
  EXPECT_EQ(out.notices, 1);
  ASSERT_EQ(out.lead_ms.size(), 1u);
  EXPECT_EQ(out.lead_ms[0], 2 * kMinuteMs);
  EXPECT_EQ(out.suffered, 0);
}

TEST(FleetSim, InterruptionSufferedRelaunchesAndCostsTheRestart) {
  FleetFixture f;
  FleetSim sim(f.ledger, f.s, f.nodes, t0);
  sim.place(0, A, t0);
  EXPECT_TRUE(sim.runs_in(0, A, t0 + 30 * kMinuteMs));
  sim.interrupt(0, A, t0 + 30 * kMinuteMs);
  const auto out = sim.finish(t0 + kHourMs);
  // Two runs of A, 30 min each (the relaunched one is billed from its launch).
  EXPECT_NEAR(out.instance_usd, 0.10, 1e-12);
  EXPECT_EQ(out.suffered, 1);
  EXPECT_NEAR(out.restart_usd, 1.5, 1e-12);
  EXPECT_NEAR(out.total_usd(), 1.6, 1e-12);
  EXPECT_NEAR(out.downtime_hours, 10.0 / 60, 1e-12);
}

TEST(FleetSim, ShortRunsBillTheMinuteAndOnDemandItsOwnType) {
  FleetFixture f;
  FleetSim sim(f.ledger, f.s, f.nodes, t0);
  sim.place(0, A, t0);
  sim.interrupt(0, std::string(kOnDemandLocation), t0 + 10'000);  // 10 s on A: billed 60 s
  const auto out = sim.finish(t0 + 10'000 + kHourMs);
  EXPECT_NEAR(out.instance_usd, 0.10 / 60 + 0.085, 1e-12);
  EXPECT_NEAR(out.node_hours.at(std::string(kOnDemandLocation)), 1.0, 1e-12);
}
