// The backtest takes its scores from the price shards in process, not from spot.risk's JSON: they
// must be the records spot.risk carries, whatever the shard count.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>
#include <vector>

#include "src/codec/json_encoder.hpp"
#include "tests/unit/backtest_inputs.hpp"
#include "tests/unit/decision_market.hpp"
#include "topology/backtest.hpp"
#include "topology/live_topology.hpp"
#include "topology/replay.hpp"

using namespace spotstream;
using namespace spotstream::test;

namespace {

using Score = std::tuple<TimestampMs, std::string, double>;  // time, pool, crash probability

class BacktestScores : public BacktestFixture {};

}  // namespace

// The same ticks replayed through the price path alone (what `risk` publishes), each published
// record decoded in full, give the same (time, pool, crash probability) sequence as the scores a
// backtest collects, with 1 shard and with 3.
TEST_F(BacktestScores, AreTheRecordsSpotRiskCarries) {
  Market m;
  const TimestampMs t0 = at("2025-01-04T06:00:00Z");
  m.calm(t0, t0 + 6 * kHourMs, "us-east-1a", "c5.large", 0.20);
  m.swinging(t0 + 2 * kHourMs, t0 + 8 * kHourMs, "us-east-1a", "c5.xlarge", 0.20, 0.05);
  m.calm(t0, t0 + 8 * kHourMs, "us-east-1b", "c5.large", 0.18);
  m.swinging(t0, t0 + 8 * kHourMs, "us-east-1b", "m5.large", 0.25, 0.08);
  std::vector<Score> published;
  {
    ProcessMetrics metrics;
    std::atomic<bool> stop{false};
    const auto r = replay(cfg_, m.events, metrics, stop, [&](std::vector<Output>& outputs) {
      for (const auto& out : outputs) {
        if (out.topic != OutputTopic::Risk) continue;
        const auto rec = decode_risk_record(out.value);
        ASSERT_TRUE(rec) << out.value;
        published.emplace_back(rec->ts, rec->pool, rec->score.crash_probability);
      }
    }, price_topology(replay_config(cfg_)));
    ASSERT_EQ(r.status, 0);
  }
  ASSERT_GT(published.size(), 100u);
  for (const int shards : {1, 3}) {
    Config cfg = cfg_;
    cfg.set("runtime.shards", std::to_string(shards));
    BacktestOptions o;
    o.fleet.nodes = 2;
    o.fleet.pools = {"us-east-1a/c5.large/Linux/UNIX"};
    o.from = t0 + 2 * kHourMs;
    o.to = t0 + 7 * kHourMs;
    ProcessMetrics metrics;
    std::atomic<bool> stop{false};
    const auto r = run_backtest(cfg, inputs_of(m.events), o, metrics, stop);
    ASSERT_EQ(r.replay.status, 0);
    std::vector<Score> scored;
    for (const auto& sc : r.world->scored()) scored.emplace_back(sc.ts, r.world->scored_pool(sc), sc.crash_probability);
    EXPECT_EQ(r.risk_records, scored.size());
    // The backtest replays the ticks before its period's end only.
    std::vector<Score> want;
    for (const auto& p : published)
      if (std::get<0>(p) < r.world->end) want.push_back(p);
    EXPECT_EQ(scored, want) << shards << " shard(s)";
  }
}
