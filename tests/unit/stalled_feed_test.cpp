// A stalled price feed through the live topology: reported, not holding decisions back, and its
// pools not chosen (docs/operations.md "Stalled price feeds").
#include "tests/unit/decision_scenarios.hpp"

using namespace spotstream;
using namespace spotstream::test;

// A price feed that stops while the others go on. In us-east-1a the node's c5.large is dear; r5.large
// and m5.large are as safe and far cheaper, m5 the cheapest (SixPointsWithASavingSwitches). The
// prices are spread over 16 partitions (keys us-east-1a/m5: partition 5; /c5 and /r5: 11). With
// every feed healthy the node switches to m5. When m5's partition has nothing after t0 - 1 h
// while the others run to t0 + 3 h, it is found stalled (feeds.stale_after_ms = 30 min): its pool
// gets a stale record from its last tick + 30 min, decisions are not held back by it, and the
// node goes to r5, not to the pool whose price is no longer known. (Were the stall not found, the
// decisions would wait for that partition and the node would only have its STAY; were the pool
// not marked, it would go to m5.)
TEST_F(DecisionScenarios, AStalledPriceFeedsPoolsAreNotChosen) {
  base_.set("feeds.stale_after_ms", std::to_string(30 * kMinuteMs));
  base_.set("feeds.stale_grace_ms", "0");  // everything is on the broker before the run: no backfill race
  const TimestampMs t0 = at("2025-01-04T06:00:00Z");
  auto market = [&](const std::string& prices_topic, TimestampMs m5_until, bool with_join) -> std::size_t {
    base_.set("topics.prices", prices_topic);
    cluster_->create_topic(prices_topic, 16);
    Market m;
    m.calm(t0 - 3 * kHourMs, t0 + 3 * kHourMs, "us-east-1a", "c5.large", 0.0);
    m.calm(t0 - 3 * kHourMs, t0 + 3 * kHourMs, "us-east-1a", "r5.large", 0.60);
    m.calm(t0 - 3 * kHourMs, m5_until, "us-east-1a", "m5.large", 0.60);
    if (with_join) m.join(t0 - kMinuteMs, "n", "us-east-1a", "c5.large");
    publish(m);
    return m.events.size();
  };
  // Each run reads one of the two price topics and the one join: that is what it waits to have read.
  auto run_on = [&](const std::string& prices_topic, const std::string& group, std::size_t inputs) {
    published_ = inputs;
    base_.set("topics.prices", prices_topic);
    base_.set("topics.risk", "risk." + group);
    cluster_->create_topic("risk." + group, 2);
    return of(run(group), "n");
  };
  const auto healthy_inputs = market("prices.healthy", t0 + 3 * kHourMs, true);
  const auto stalled_inputs = market("prices.stalled", t0 - kHourMs, false) + 1;

  const auto healthy = run_on("prices.healthy", "healthy", healthy_inputs);
  ASSERT_EQ(healthy.size(), 2u) << dump(healthy);
  EXPECT_EQ(healthy[1].kind, DecisionKind::Switch);
  EXPECT_EQ(healthy[1].target, "us-east-1a/m5.large/Linux/UNIX");

  const auto stalled = run_on("prices.stalled", "stalled", stalled_inputs);
  ASSERT_EQ(stalled.size(), 2u) << dump(stalled);
  EXPECT_EQ(stalled[1].kind, DecisionKind::Switch);
  EXPECT_EQ(stalled[1].target, "us-east-1a/r5.large/Linux/UNIX");

  std::vector<RiskRecord> stale;
  for (const auto& r : read_topic(base_, "risk.stalled"))
    if (auto rec = decode_risk_record(r.value); rec && rec->stale) stale.push_back(*rec);
  ASSERT_EQ(stale.size(), 1u);
  EXPECT_EQ(stale[0].pool, "us-east-1a/m5.large/Linux/UNIX");
  EXPECT_EQ(stale[0].ts, t0 - kHourMs - 5 * kMinuteMs + 30 * kMinuteMs);  // its last tick + the bound
  for (const auto& r : read_topic(base_, "risk.healthy"))
    EXPECT_FALSE(decode_risk_record(r.value)->stale) << r.value;
}
