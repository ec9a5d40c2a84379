// The risk table's history against a brute-force reference: every score ever given, never
// forgotten, read as "the latest at or before t". The table keeps each pool's identity once,
// interns model names and releases history lazily (a pool trims itself at its next update, a few
// pools per release are swept): none of that may change what a read at or after the released time
// returns, and history must stay bounded for pools that stop ticking.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "operators/decision/risk_table.hpp"

using namespace spotstream;

namespace {

struct Given {
  double crash_probability, spot_price;
  int band;
  std::string model;
};

// pool -> ts -> the score last given for that ts (an equal ts replaces).
using Reference = std::map<std::string, std::map<TimestampMs, Given>>;

std::string pool_id(int i) { return std::string(i % 2 ? "us-east-1a" : "us-east-1b") + "/c5." + std::to_string(i) + "xlarge/Linux/UNIX"; }

RiskRecord record(int pool, TimestampMs ts, double p, double price, int band, const std::string& model,
                  const std::string& version) {
  RiskRecord r;
  r.pool = pool_id(pool);
  r.region = "us-east-1";
  r.az = pool % 2 ? "us-east-1a" : "us-east-1b";
  r.instance_type = "c5." + std::to_string(pool) + "xlarge";
  r.product = "Linux/UNIX";
  r.family = "c5";
  r.ts = ts;
  r.score.crash_probability = p;
  r.score.model = model;
  r.score.model_version = version;
  r.features.price = price;
  r.features.advisor_band = band;
  return r;
}

// What the table must return for region us-east-1 as of t.
std::map<std::string, Given> expected_as_of(const Reference& ref, TimestampMs t) {
  std::map<std::string, Given> out;
  for (const auto& [pool, scores] : ref) {
    auto it = scores.upper_bound(t);
    if (it != scores.begin()) out.emplace(pool, std::prev(it)->second);
  }
  return out;
}

void expect_reads(const RiskTable& table, const Reference& ref, TimestampMs t) {
  const auto want = expected_as_of(ref, t);
  const auto got = table.region_as_of("us-east-1", t);
  ASSERT_EQ(got.size(), want.size()) << "as of " << t;
  for (const auto& p : got) {
    const auto it = want.find(p.pool);
    ASSERT_NE(it, want.end()) << p.pool;
    EXPECT_EQ(p.crash_probability, it->second.crash_probability) << p.pool << " as of " << t;
    EXPECT_EQ(p.spot_price, it->second.spot_price) << p.pool << " as of " << t;
    EXPECT_EQ(p.band, it->second.band) << p.pool << " as of " << t;
    EXPECT_EQ(p.model, it->second.model) << p.pool << " as of " << t;
    EXPECT_EQ(p.region, "us-east-1");
    EXPECT_EQ(p.family, "c5");
    EXPECT_EQ(p.az, p.pool.substr(0, 10));
  }
}

}  // namespace

TEST(RiskTable, LazyReleaseReadsAsTheFullHistoryDoesFromTheReleasedTimeOn) {
  RiskTable table(300000);
  auto feeder = table.add_feeder();
  Reference ref;
  std::mt19937_64 rng(7);
  TimestampMs now = 0, released = std::numeric_limits<TimestampMs>::min();
  for (int step = 0; step < 20000; ++step) {
    const int pool = static_cast<int>(rng() % 40);
    // Mostly in time order; one in 8 goes back up to an hour (out of order, or an equal ts).
    now += static_cast<TimestampMs>(rng() % 20000);
    const TimestampMs ts = rng() % 8 == 0 ? now - static_cast<TimestampMs>(rng() % 3600000) : now;
    const double p = static_cast<double>(rng() % 1000) / 1000.0, price = static_cast<double>(rng() % 500) / 100.0;
    const int band = static_cast<int>(rng() % 5);
    // Two models (interned); every 5th update as a PoolRisk, the way tests and REST feed it.
    const bool logistic = (step / 3000) % 2 == 1;
    if (step % 5 == 0) {
      PoolRisk r;
      const auto rec = record(pool, ts, p, price, band, "", "");
      r.pool = rec.pool, r.region = rec.region, r.az = rec.az, r.instance_type = rec.instance_type;
      r.product = rec.product, r.family = rec.family;
      r.ts = ts, r.crash_probability = p, r.spot_price = price, r.band = band;
      r.model = logistic ? "logistic-synth@3" : "heuristic-v1@1";
      feeder.update(r);
      ref[rec.pool][ts] = Given{p, price, band, r.model};
    } else {
      feeder.update(record(pool, ts, p, price, band, logistic ? "logistic-synth" : "heuristic-v1", logistic ? "3" : "1"));
      ref[pool_id(pool)][ts] = Given{p, price, band, logistic ? "logistic-synth@3" : "heuristic-v1@1"};
    }
    if (step % 500 == 499) {
      released = now - 7200000;  // as decisions do: keep a couple of hours
      table.release_before(released);
      for (const TimestampMs t : {released, released + 1800000, now, RiskTable::kLatest})
        ASSERT_NO_FATAL_FAILURE(expect_reads(table, ref, t));
    }
  }
  EXPECT_EQ(table.pools(), 40u);
  // The last release swept every pool: about two hours of each (one update per ~400 s: ~18), far
  // fewer than the 20,000 given.
  EXPECT_LT(table.history_entries(), 2000u);
  EXPECT_TRUE(table.latest(pool_id(3)).has_value());
  EXPECT_EQ(table.latest(pool_id(3))->crash_probability, ref[pool_id(3)].rbegin()->second.crash_probability);
}

// The read into a reused vector (an instant's pools, refilled at the next) returns what a fresh
// read returns, at times going forwards and back while pools appear, and says when the pools in it
// are no longer those it held (views of them are then invalid): never for a read with the same pools.
TEST(RiskTable, ReadIntoAReusedVectorMatchesTheReferenceAndSaysWhenItsPoolsChanged) {
  RiskTable table(300000);
  auto feeder = table.add_feeder();
  Reference ref;
  std::mt19937_64 rng(11);
  std::vector<PoolRisk> out;
  std::vector<std::string> held;  // the pools `out` held after the previous read
  std::size_t same_pools = 0, other_pools = 0;
  TimestampMs now = 0;
  for (int step = 0; step < 4000; ++step) {
    // Pools appear over time (up to 30), so a read of an earlier time sees fewer of them.
    const int pool = static_cast<int>(rng() % std::min<std::uint64_t>(30, 2 + step / 100));
    now += static_cast<TimestampMs>(rng() % 60000);
    const double p = static_cast<double>(rng() % 1000) / 1000.0, price = static_cast<double>(rng() % 500 + 1) / 100.0;
    feeder.update(record(pool, now, p, price, 1, "heuristic-v1", "1"));
    ref[pool_id(pool)][now] = Given{p, price, 1, "heuristic-v1@1"};
    if (step % 7 != 0) continue;
    const TimestampMs t = rng() % 3 == 0 ? now - static_cast<TimestampMs>(rng() % (now + 1)) : now;
    const auto want = expected_as_of(ref, t);
    const std::size_t capacity = out.capacity();
    const bool moved = table.region_as_of("us-east-1", t, out);
    ASSERT_EQ(out.size(), want.size()) << "as of " << t;
    std::vector<std::string> pools;
    for (const auto& r : out) {
      const auto it = want.find(r.pool);
      ASSERT_NE(it, want.end()) << r.pool;
      EXPECT_EQ(r.crash_probability, it->second.crash_probability) << r.pool << " as of " << t;
      EXPECT_EQ(r.spot_price, it->second.spot_price) << r.pool << " as of " << t;
      EXPECT_EQ(r.model, "heuristic-v1@1");
      EXPECT_LE(r.ts, t);
      EXPECT_EQ(r.az, r.pool.substr(0, 10));
      EXPECT_EQ(r.instance_type, r.pool.substr(11, r.pool.find('/', 11) - 11));
      pools.push_back(r.pool);
    }
    if (pools != held) {
      EXPECT_TRUE(moved) << "other pools as of " << t << ", not reported";
      ++other_pools;
    } else if (out.capacity() == capacity) {
      EXPECT_FALSE(moved) << "the same pools as of " << t << ", reported as moved";
      ++same_pools;
    }
    held = std::move(pools);
  }
  // Both cases were exercised.
  EXPECT_GT(same_pools, 50u);
  EXPECT_GT(other_pools, 50u);
}

TEST(RiskTable, PoolsThatStopTickingAreTrimmedBySweeps) {
  RiskTable table(300000);
  auto feeder = table.add_feeder();
  constexpr int kPools = 300;
  for (int pool = 0; pool < kPools; ++pool)
    for (TimestampMs ts = 1; ts <= 10; ++ts) feeder.update(record(pool, ts * 300000, 0.1, 1.0, 1, "heuristic-v1", "1"));
  EXPECT_EQ(table.history_entries(), kPools * 10u);
  // No pool ticks any more: only the releases' sweeps trim them, a few pools per release.
  for (TimestampMs t = 11; t < 11 + kPools; ++t) table.release_before(t * 300000);
  EXPECT_EQ(table.history_entries(), static_cast<std::size_t>(kPools));  // each pool's latest entry
  const auto all = table.region_as_of("us-east-1", RiskTable::kLatest);
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kPools));
  for (const auto& p : all) EXPECT_EQ(p.ts, 10 * 300000);
  // A release never moves back: an earlier time asks for nothing more.
  table.release_before(1);
  EXPECT_EQ(table.region_as_of("us-east-1", 10 * 300000).size(), static_cast<std::size_t>(kPools));
}

TEST(RiskTable, ChangedInstantsAreReportedOnceEvenWhenAnInstantRepeatsAfterBeingTaken) {
  RiskTable table(300000);
  auto feeder = table.add_feeder();
  feeder.update(record(1, 100000, 0.1, 1.0, 1, "heuristic-v1", "1"));
  feeder.update(record(2, 200000, 0.1, 1.0, 1, "heuristic-v1", "1"));
  EXPECT_EQ(table.take_changed_instants(RiskTable::kLatest), (std::vector<TimestampMs>{300000}));
  // The same instant again after it was taken (a score arriving late): reported again.
  feeder.update(record(3, 250000, 0.1, 1.0, 1, "heuristic-v1", "1"));
  feeder.update(record(3, 400000, 0.1, 1.0, 1, "heuristic-v1", "1"));
  EXPECT_EQ(table.take_changed_instants(300000), (std::vector<TimestampMs>{300000}));
  EXPECT_EQ(table.take_changed_instants(RiskTable::kLatest), (std::vector<TimestampMs>{600000}));
  EXPECT_TRUE(table.take_changed_instants(RiskTable::kLatest).empty());
}
