// PriceLedger against hand-computed bills: a price stands until the pool's next tick, an instance
// is billed whole, per second with a 60-second minimum, and time before a pool's first price is
// counted as unpriced, never billed at a guess.
#include <gtest/gtest.h>

#include "operators/backtest/price_ledger.hpp"
#include "src/core/time.hpp"

using namespace spotstream;

namespace {
constexpr TimestampMs kJan1 = 1735689600000;
const std::string kPool = "us-east-1a/c5.large/Linux/UNIX";
}  // namespace

TEST(PriceLedger, BillsThePricesInEffectPerSecond) {
  PriceLedger ledger;
  ledger.add(kPool, kJan1, 0.10);
  ledger.add(kPool, kJan1 + 30 * kMinuteMs, 0.20);
  ledger.add("us-east-1a/c5.24xlarge/Linux/UNIX", kJan1, 1.50);
  // 15 minutes at $0.10/h and 15 at $0.20/h: 0.025 + 0.05.
  EXPECT_NEAR(ledger.run(kPool, kJan1 + 15 * kMinuteMs, kJan1 + 45 * kMinuteMs).usd, 0.075, 1e-12);
  // The whole larger instance: 2 hours of a 24xlarge at $1.50/h.
  EXPECT_NEAR(ledger.run("us-east-1a/c5.24xlarge/Linux/UNIX", kJan1, kJan1 + 2 * kHourMs).usd, 3.0, 1e-12);
  // 10 seconds are billed as the 60-second minimum; 90.2 s as 91 s.
  EXPECT_NEAR(ledger.run(kPool, kJan1, kJan1 + 10'000).usd, 0.10 * 60 / 3600, 1e-15);
  EXPECT_NEAR(ledger.run(kPool, kJan1, kJan1 + 90'200).usd, 0.10 * 91 / 3600, 1e-15);
  // Past the last tick the last price stands.
  EXPECT_NEAR(ledger.run(kPool, kJan1 + 10 * kHourMs, kJan1 + 11 * kHourMs).usd, 0.20, 1e-12);
  EXPECT_EQ(*ledger.price_at(kPool, kJan1 + 30 * kMinuteMs - 1), 0.10);
  EXPECT_EQ(*ledger.price_at(kPool, kJan1 + 30 * kMinuteMs), 0.20);
}

TEST(PriceLedger, TimeBeforeTheFirstPriceIsUnpriced) {
  PriceLedger ledger;
  ledger.add(kPool, kJan1 + kHourMs, 0.30);  // ticks may come in any order
  ledger.add(kPool, kJan1 + 2 * kHourMs, 0.60);
  const auto bill = ledger.run(kPool, kJan1 + 30 * kMinuteMs, kJan1 + 90 * kMinuteMs);
  EXPECT_EQ(bill.unpriced_ms, 30 * kMinuteMs);
  EXPECT_NEAR(bill.usd, 0.15, 1e-12);  // the half hour after the first tick
  EXPECT_FALSE(ledger.price_at(kPool, kJan1));
  const auto unknown = ledger.run("us-east-1b/m5.large/Linux/UNIX", kJan1, kJan1 + kHourMs);
  EXPECT_EQ(unknown.usd, 0);
  EXPECT_EQ(unknown.unpriced_ms, kHourMs);
}

// Ticks out of order and a time given twice (the later word stands) give the prices a sorted,
// de-duplicated history would.
TEST(PriceLedger, OutOfOrderTicksAndRepeatedTimes) {
  PriceLedger ledger;
  ledger.add(kPool, kJan1 + 2 * kHourMs, 0.30);
  ledger.add(kPool, kJan1, 0.10);
  ledger.add(kPool, kJan1 + kHourMs, 0.50);
  ledger.add(kPool, kJan1 + kHourMs, 0.20);  // replaces 0.50
  ASSERT_NE(ledger.steps(kPool), nullptr);
  EXPECT_EQ(ledger.steps(kPool)->size(), 3u);
  EXPECT_EQ(ledger.price_at(kPool, kJan1 + kHourMs + 1), 0.20);
  EXPECT_EQ(ledger.price_at(kPool, kJan1 + kHourMs - 1), 0.10);
  EXPECT_NEAR(ledger.run(kPool, kJan1, kJan1 + 3 * kHourMs).usd, 0.10 + 0.20 + 0.30, 1e-12);
}
