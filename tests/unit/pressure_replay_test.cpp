// Interruption pressure on spot.risk, end to end through the replay engine: each record's counts
// are those of the definition (pressure_reference.hpp) at the record's time, whatever the shard
// count and batch size.
#include <gtest/gtest.h>

#include <algorithm>

#include "src/codec/json_encoder.hpp"
#include "src/feed/synth_market.hpp"
#include "tests/unit/pressure_reference.hpp"
#include "topology/process_metrics.hpp"
#include "topology/replay.hpp"

namespace spotstream {
namespace {

std::vector<Event> noisy_market() {
  SynthOptions o;
  o.days = 3;
  o.regions = {"us-east-1"};
  o.nodes = 40;
  o.spike_rate_per_family_day = 2.0;  // many reclaims: many signals
  std::vector<Event> events;
  SynthMarket(o).generate([&](const Event& e) { events.push_back(e); });
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return std::visit([](const auto& v) { return v.ts; }, a) < std::visit([](const auto& v) { return v.ts; }, b);
  });
  return events;
}

TEST(PressureReplay, EveryRecordCarriesThePressureOfTheDefinitionWhateverTheShards) {
  const auto events = noisy_market();
  const test::PressureReference reference(events, {600'000, 3'600'000, 86'400'000});
  std::vector<std::vector<std::string>> runs;
  for (const auto& [shards, batch] : {std::pair{1, 1024}, {3, 7}}) {
    Config cfg;
    cfg.set("log.level", "warn");
    cfg.set("risk.every_tick", "true");
    cfg.set("runtime.shards", std::to_string(shards));
    cfg.set("runtime.batch_size", std::to_string(batch));
    ProcessMetrics m;
    std::atomic<bool> stop{false};
    std::vector<std::string> records;
    std::size_t with_pool = 0, with_family = 0;
    const auto result = replay(cfg, events, m, stop, [&](std::vector<Output>& outs) {
      for (const auto& o : outs) {
        if (o.topic != OutputTopic::Risk) continue;
        const auto r = decode_risk_record(o.value);
        ASSERT_TRUE(r.has_value());
        const auto got = test::counts_of(r->features.pressure);
        ASSERT_EQ(got, reference.at(r->az, r->instance_type, r->product, r->ts)) << o.value;
        with_pool += got[2] + got[5] > 0;
        with_family += got[8] + got[11] > 0;
        records.push_back(o.key + " " + o.value);
      }
    });
    ASSERT_EQ(result.status, 0);
    EXPECT_GT(with_pool, 100u);  // the check above is not vacuous
    EXPECT_GT(with_family, with_pool);
    runs.push_back(std::move(records));
  }
  EXPECT_EQ(runs[0], runs[1]);
}

}  // namespace
}  // namespace spotstream
