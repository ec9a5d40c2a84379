// Interruption pressure (operators/price/pool_pressure): hand-computed counts, the same counts
// whatever order the signals and fleet events are read in, and a brute-force reference on random
// fleets.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "operators/price/pool_pressure.hpp"
#include "pressure_reference.hpp"
#include "signal_test_harness.hpp"

namespace spotstream {
namespace {

using test::notice;
constexpr TimestampMs kT0 = 1'735'689'600'000;  // 2025-01-01

FleetEvent join(const std::string& instance, TimestampMs ts, const std::string& az, const std::string& type) {
  FleetEvent f = test::join("node-" + instance, instance, ts);
  f.az = az;
  f.instance_type = type;
  return f;
}

FleetEvent leave(const std::string& instance, TimestampMs ts) {
  FleetEvent f = test::join("node-" + instance, instance, ts);
  f.action = FleetAction::Leave;
  return f;
}

PriceTick tick(const std::string& az, const std::string& type) {
  PriceTick t;
  t.az = az;
  t.instance_type = type;
  t.product = "Linux/UNIX";
  return t;
}

using Counts = test::PressureCounts;
Counts counts(const PoolPressure& p, const PriceTick& t, TimestampMs at) {
  InterruptionPressure x;
  p.fill(t, at, x);
  return test::counts_of(x);
}

// The hand-computed market: windows 10 min, 1 h, 24 h.
std::vector<Event> hand_events() {
  const auto rebalance = [](const std::string& i, TimestampMs ts) { return notice(i, ts, SignalKind::Rebalance); };
  return {
      join("i1", kT0 - 120 * kMinuteMs, "us-east-1a", "c5.large"),
      join("i2", kT0 - 120 * kMinuteMs, "us-east-1a", "c5.large"),
      join("i3", kT0 - 120 * kMinuteMs, "us-east-1a", "c5.xlarge"),
      join("i4", kT0 - 120 * kMinuteMs, "us-east-1b", "c5.large"),  // another AZ
      join("i5", kT0 - 120 * kMinuteMs, "us-east-1a", "m5.large"),  // another family
      rebalance("i1", kT0 - 30 * kMinuteMs),
      notice("i1", kT0),
      notice("i4", kT0 + 1 * kMinuteMs),
      notice("i5", kT0 + 1 * kMinuteMs),
      notice("i6", kT0 + 2 * kMinuteMs),  // before its instance joins
      notice("i2", kT0 + 5 * kMinuteMs),
      notice("i2", kT0 + 6 * kMinuteMs),  // the same instance again: one instance
      notice("i3", kT0 + 7 * kMinuteMs),
      leave("i1", kT0 + 8 * kMinuteMs),
      notice("i1", kT0 + 10 * kMinuteMs),  // after its leave: counts nowhere
      join("i6", kT0 + 11 * kMinuteMs, "us-east-1a", "c5.large"),
      join("i3", kT0 + 13 * kMinuteMs, "us-east-1a", "c5.large"),  // a rejoin: later signals in the new pool
      notice("i3", kT0 + 14 * kMinuteMs),
  };
}

void feed(PoolPressure& p, const std::vector<Event>& events) {
  for (const auto& e : events) {
    if (const auto* s = std::get_if<Signal>(&e)) p.on_signal(*s);
    else p.on_fleet(std::get<FleetEvent>(e));
  }
}

TEST(PoolPressure, HandComputedCountsPerPoolAndFamily) {
  PoolPressure p;
  feed(p, hand_events());
  const auto large = tick("us-east-1a", "c5.large"), xlarge = tick("us-east-1a", "c5.xlarge");
  // At +9 min: pool c5.large has i1 (9 min ago) and i2 (newest 3 min ago); i1's rebalance 39 min ago;
  // the family adds i3 (2 min ago); i4 (other AZ), i5 (other family) and i6 (not joined) are out.
  EXPECT_EQ(counts(p, large, kT0 + 9 * kMinuteMs), (Counts{2, 2, 2, 0, 1, 1, 3, 3, 3, 0, 1, 1}));
  EXPECT_EQ(counts(p, xlarge, kT0 + 9 * kMinuteMs), (Counts{1, 1, 1, 0, 0, 0, 3, 3, 3, 0, 1, 1}));
  // At +5 min: i2's notice stamped exactly then is not before the tick.
  EXPECT_EQ(counts(p, large, kT0 + 5 * kMinuteMs), (Counts{1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1}));
  // At +12 min: i1's notice is 12 min old (out of the short window), i2's newest 6; i6, placed by
  // its join at +11, counts from then, its notice exactly 10 min old (out of the short window);
  // i1's notice after its leave counts nowhere. The family adds i3 (5 min).
  EXPECT_EQ(counts(p, large, kT0 + 12 * kMinuteMs), (Counts{1, 3, 3, 0, 1, 1, 2, 4, 4, 0, 1, 1}));
  // At +11 min, the tick of i6's join: not yet.
  EXPECT_EQ(counts(p, large, kT0 + 11 * kMinuteMs), (Counts{1, 2, 2, 0, 1, 1, 2, 3, 3, 0, 1, 1}));
  // At +15 min: i3 rejoined c5.large at +13; its notice at +14 is in c5.large, the one at +7 stays
  // in c5.xlarge (one instance in the family either way).
  EXPECT_EQ(counts(p, large, kT0 + 15 * kMinuteMs), (Counts{2, 4, 4, 0, 1, 1, 2, 4, 4, 0, 1, 1}));
  EXPECT_EQ(counts(p, xlarge, kT0 + 15 * kMinuteMs), (Counts{1, 1, 1, 0, 0, 0, 2, 4, 4, 0, 1, 1}));
  // A day and 6 min on: only the long window reaches back, to signals less than a day old: i3's at
  // +14 (c5.large) and +7 (c5.xlarge); i2's at +6 is exactly a day old.
  EXPECT_EQ(counts(p, large, kT0 + 24 * 60 * kMinuteMs + 6 * kMinuteMs), (Counts{0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0}));
  EXPECT_EQ(counts(p, tick("us-east-1b", "c5.large"), kT0 + 9 * kMinuteMs), (Counts{1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0}));
  EXPECT_EQ(counts(p, tick("us-east-1a", "p3.2xlarge"), kT0 + 9 * kMinuteMs), Counts{});
}

TEST(PoolPressure, TheSameWhateverOrderSignalsAndFleetEventsAreReadIn) {
  PoolPressure in_order;
  const auto events = hand_events();
  feed(in_order, events);
  std::mt19937_64 rng(11);
  for (int round = 0; round < 50; ++round) {
    auto shuffled = events;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    PoolPressure p;
    feed(p, shuffled);
    for (const auto& type : {"c5.large", "c5.xlarge"})
      for (TimestampMs at = kT0 - 40 * kMinuteMs; at <= kT0 + 30 * kMinuteMs; at += kMinuteMs)
        ASSERT_EQ(counts(p, tick("us-east-1a", type), at), counts(in_order, tick("us-east-1a", type), at)) << round << " " << at;
  }
}

TEST(PoolPressure, ForgettingOldSignalsKeepsTheRecentCounts) {
  PoolPressure p;
  feed(p, hand_events());
  const auto large = tick("us-east-1a", "c5.large");
  const TimestampMs at = kT0 + 24 * 60 * kMinuteMs + 6 * kMinuteMs;
  const auto before = counts(p, large, at);
  p.forget_before(at - 24 * 60 * kMinuteMs);
  EXPECT_EQ(counts(p, large, at), before);
  p.forget_before(kT0 + 30 * kMinuteMs);
  EXPECT_TRUE(p.empty());
  // The fleet is remembered: a new signal of a node still running is placed.
  p.on_signal(notice("i2", kT0 + 40 * kMinuteMs));
  EXPECT_EQ(counts(p, large, kT0 + 41 * kMinuteMs)[0], 1u);
}

// On random fleets, read in random order: the counts of the definition (pressure_reference.hpp).
TEST(PoolPressure, AgreesWithABruteForceCountOnRandomFleets) {
  const std::vector<std::pair<std::string, std::string>> pools = {
      {"us-east-1a", "c5.large"}, {"us-east-1a", "c5.xlarge"}, {"us-east-1b", "c5.large"}, {"us-east-1a", "m5.large"}};
  std::mt19937_64 rng(7);
  for (int round = 0; round < 20; ++round) {
    std::vector<Event> events;
    std::uniform_int_distribution<TimestampMs> when(0, 6 * 60 * kMinuteMs);
    for (int i = 0; i < 30; ++i) {
      const std::string id = "i" + std::to_string(i);
      const int stints = 1 + static_cast<int>(rng() % 3);
      for (int k = 0; k < stints; ++k) {
        const TimestampMs ts = kT0 + when(rng) * 7 + i;  // distinct times
        const auto& [az, type] = pools[rng() % pools.size()];
        events.emplace_back(k > 0 && rng() % 5 == 0 ? leave(id, ts) : join(id, ts, az, type));
      }
      for (int k = static_cast<int>(rng() % 4); k > 0; --k)
        events.emplace_back(notice(id, kT0 + when(rng) * 7 + i + 3, rng() % 3 == 0 ? SignalKind::Rebalance : SignalKind::Interruption));
    }
    const test::PressureReference reference(events, {10 * kMinuteMs, 60 * kMinuteMs, 24 * 60 * kMinuteMs});
    std::shuffle(events.begin(), events.end(), rng);
    PoolPressure p;
    feed(p, events);
    for (int q = 0; q < 200; ++q) {
      const auto& [az, type] = pools[rng() % pools.size()];
      const TimestampMs at = kT0 + when(rng) * 8;
      ASSERT_EQ(counts(p, tick(az, type), at), reference.at(az, type, "Linux/UNIX", at)) << round << " " << q;
    }
  }
}

}  // namespace
}  // namespace spotstream
