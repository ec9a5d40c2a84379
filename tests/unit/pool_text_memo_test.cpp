// The decoder's memory of pool texts: what it gives back is what was remembered for that exact
// text, never for another, also once it has started again empty at its bound.
#include <gtest/gtest.h>

#include <string>

#include "src/codec/pool_text_memo.hpp"

using namespace spotstream;
using codec_detail::PoolTextMemo;

namespace {

std::string text_of(int n) { return ",\"az\":\"us-east-1a\",\"instance_type\":\"m5." + std::to_string(n) + "xlarge\","; }

PriceTick tick_of(int n) {
  PriceTick t;
  t.az = "us-east-1a";
  t.region = "us-east-1";
  t.instance_type = "m5." + std::to_string(n) + "xlarge";
  t.product = n % 2 ? "Linux/UNIX" : "Red Hat Enterprise Linux with HA";
  return t;
}

void expect_pool(const PoolTextMemo::Pool& p, int n) {
  const PriceTick want = tick_of(n);
  EXPECT_EQ(p.az, want.az);
  EXPECT_EQ(p.region, want.region);
  EXPECT_EQ(p.instance_type, want.instance_type);
  EXPECT_EQ(p.product, want.product);
}

}  // namespace

TEST(PoolTextMemo, FindsWhatWasRememberedForThatExactTextOnly) {
  PoolTextMemo memo;
  PoolTextMemo::Pool p;
  EXPECT_FALSE(memo.find(text_of(1), p));
  for (int n = 0; n < 5000; ++n) memo.remember(text_of(n), tick_of(n));
  for (int n = 0; n < 5000; ++n) {
    ASSERT_TRUE(memo.find(text_of(n), p)) << n;
    expect_pool(p, n);
  }
  std::string other = text_of(7);
  for (std::size_t at = 0; at < other.size(); ++at) {
    std::string changed = other;
    changed[at] = '#';
    EXPECT_FALSE(memo.find(changed, p)) << changed;
  }
  EXPECT_FALSE(memo.find(other.substr(0, other.size() - 1), p));
  EXPECT_FALSE(memo.find(other + " ", p));
  EXPECT_FALSE(memo.find("", p));
}

TEST(PoolTextMemo, StartsAgainEmptyAtItsBoundAndStaysRight) {
  PoolTextMemo memo;
  PoolTextMemo::Pool p;
  constexpr int kTexts = 300000;  // more than half of its largest table
  for (int n = 0; n < kTexts; ++n) memo.remember(text_of(n), tick_of(n));
  int found = 0;
  for (int n = 0; n < kTexts; ++n)
    if (memo.find(text_of(n), p)) {
      ++found;
      expect_pool(p, n);
    }
  EXPECT_LT(found, kTexts);  // it did not keep everything
  ASSERT_TRUE(memo.find(text_of(kTexts - 1), p));  // the latest are kept
  expect_pool(p, kTexts - 1);
}
