// Fuzz-ish: random bytes and random mutations of valid messages must never throw or crash, and a
// rejection always carries a known reason and a detail. Seeds are fixed so failures reproduce.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <set>

#include "tests/unit/codec_test_util.hpp"
#include "tests/unit/test_data.hpp"

using namespace spotstream;
namespace td = spotstream::testing;

namespace {

// SPOTSTREAM_FUZZ_SCALE=10 runs ten times as many cases (e.g. under a sanitizer build).
int scale() {
  const char* s = std::getenv("SPOTSTREAM_FUZZ_SCALE");
  return s && std::atoi(s) > 0 ? std::atoi(s) : 1;
}

const std::vector<std::pair<InputKind, std::string>>& seeds() {
  static const auto s = [] {
    std::vector<std::pair<InputKind, std::string>> v = {
        {InputKind::Prices, R"({"ts":"2020-02-20T22:06:16.000Z","region":"us-east-1","az":"us-east-1a","instance_type":"p3.2xlarge","product":"Linux/UNIX","spot_price":0.918,"on_demand_price":3.06})"},
        {InputKind::Prices, R"({"AvailabilityZone":"us-east-1d","InstanceType":"p2.xlarge","ProductDescription":"Linux/UNIX","SpotPrice":"0.340500","Timestamp":"2020-02-20T23:21:08.000Z"})"},
        {InputKind::Prices, R"({"SpotPriceHistory":[{"AvailabilityZone":"us-east-1d","InstanceType":"p2.xlarge","ProductDescription":"Linux/UNIX","SpotPrice":"0.3405","Timestamp":"2020-02-20T23:21:08.000Z"},{"AvailabilityZone":"usw2-az1","InstanceType":"p2.xlarge","ProductDescription":"Linux/UNIX","SpotPrice":"0.3","Timestamp":"2020-02-20T23:21:08.000Z"}],"NextToken":"abc"})"},
        {InputKind::Signals, R"({"ts":5,"kind":"interruption","instance_id":"i-8","action":"stop","action_time":125000,"az":"us-west-2-lax-1a"})"},
        {InputKind::Fleet, R"({"ts":"2024-01-02T03:04:05Z","action":"join","fleet":"f","node_id":"n","instance_id":"i","az":"us-east-1c","instance_type":"m6i.2xlarge","vcpu":8,"memory_gib":32,"arch":"x86_64"})"},
        {InputKind::Fleet, R"({"ts":1,"action":"leave","node_id":"n","instance_id":"i"})"},
    };
    const auto dir = td::shared_data_dir() / "aws-events";
    for (const char* f : {"eventbridge-spot-itn.nth.json", "eventbridge-rebalance.nth.json",
                          "eventbridge-spot-itn.karpenter-design.json", "imds-spot-instance-action.karpenter-design.json",
                          "imds-rebalance.karpenter-design.json"})
      v.emplace_back(InputKind::Signals, td::read_file(dir / f));
    v.emplace_back(InputKind::Prices, td::read_file(dir / "describe-spot-price-history.awscli-example.json"));
    return v;
  }();
  return s;
}

// Bytes that matter to JSON and to our shapes, so mutations reach deep into the decoders.
constexpr std::string_view kInteresting = "{}[]\",:\\-.0123456789eE+ tfnaz\x00\xff\x80\xc3\t\n";

std::string mutate(std::string s, std::mt19937_64& rng) {
  std::uniform_int_distribution<int> op(0, 6);
  const int steps = 1 + static_cast<int>(rng() % 4);
  for (int k = 0; k < steps; ++k) {
    const std::size_t pos = s.empty() ? 0 : rng() % s.size();
    const char c = rng() % 2 ? kInteresting[rng() % kInteresting.size()] : static_cast<char>(rng());
    switch (op(rng)) {
      case 0: if (!s.empty()) s[pos] = c; break;
      case 1: s.insert(s.begin() + static_cast<std::ptrdiff_t>(pos), c); break;
      case 2: if (!s.empty()) s.erase(pos, 1 + rng() % 8); break;
      case 3: s.resize(pos); break;  // truncation
      case 4: {  // duplicate a slice somewhere else
        const std::size_t len = std::min<std::size_t>(s.size() - pos, 1 + rng() % 32);
        const std::string slice = s.substr(pos, len);
        s.insert(s.empty() ? 0 : rng() % s.size(), slice);
        break;
      }
      case 5: if (!s.empty()) std::swap(s[pos], s[rng() % s.size()]); break;
      case 6: {  // replace a digit run or a quoted value's first char with something odd
        const auto q = s.find('"', pos);
        if (q != std::string::npos && q + 1 < s.size()) s[q + 1] = c;
        break;
      }
    }
  }
  return s;
}

void check(EventDecoder& decoder, InputKind kind, std::string_view value, std::string_view key,
           const std::set<std::string>& reasons, std::size_t& accepted) {
  std::vector<Event> out;
  DecodeError err;
  bool ok = false;
  ASSERT_NO_THROW(ok = decoder.decode(kind, key, value, out, err));
  if (ok) {
    ++accepted;
    for (const auto& e : out) {
      // Accepted events must satisfy the invariants the operators rely on.
      if (auto* t = std::get_if<PriceTick>(&e)) {
        ASSERT_GT(t->spot_price, 0);
        ASSERT_FALSE(t->region.empty());
        ASSERT_FALSE(t->az.empty());
      } else if (auto* s = std::get_if<Signal>(&e)) {
        ASSERT_FALSE(s->instance_id.empty());
        ASSERT_GE(s->ts, 0);
      } else if (auto* f = std::get_if<FleetEvent>(&e)) {
        ASSERT_FALSE(f->node_id.empty());
      }
    }
  } else {
    ASSERT_TRUE(out.empty());
    ASSERT_TRUE(reasons.count(err.reason)) << "unknown reason '" << err.reason << "' for " << ::testing::PrintToString(std::string(value));
    ASSERT_FALSE(err.detail.empty());
  }
}

}  // namespace

TEST(CodecFuzz, RandomBytes) {
  const std::set<std::string> reasons(spotstream::testing::all_dlq_reasons().begin(),
                                      spotstream::testing::all_dlq_reasons().end());
  std::mt19937_64 rng(20240601);
  EventDecoder decoder;
  std::size_t accepted = 0;
  for (int i = 0; i < 20000 * scale(); ++i) {
    std::string s(rng() % 300, '\0');
    for (auto& ch : s) ch = rng() % 3 == 0 ? kInteresting[rng() % kInteresting.size()] : static_cast<char>(rng());
    if (rng() % 2) s.insert(0, "{");
    for (auto kind : {InputKind::Prices, InputKind::Signals, InputKind::Fleet})
      check(decoder, kind, s, rng() % 2 ? "i-1" : "", reasons, accepted);
  }
  EXPECT_EQ(accepted, 0u);
}

TEST(CodecFuzz, MutationsOfValidMessages) {
  const std::set<std::string> reasons(spotstream::testing::all_dlq_reasons().begin(),
                                      spotstream::testing::all_dlq_reasons().end());
  std::mt19937_64 rng(7);
  EventDecoder decoder;
  std::size_t accepted = 0, total = 0;
  for (const auto& [kind, seed] : seeds()) {
    std::size_t seed_ok = 0;
    check(decoder, kind, seed, "i-seed", reasons, seed_ok);
    ASSERT_EQ(seed_ok, 1u) << seed;
    for (int i = 0; i < 5000 * scale(); ++i, ++total) {
      const std::string m = mutate(seed, rng);
      check(decoder, kind, m, i % 3 ? "i-1" : "", reasons, accepted);
      // The same bytes through the other decoders too: shapes must not leak across inputs.
      check(decoder, kind == InputKind::Prices ? InputKind::Signals : InputKind::Prices, m, "", reasons, accepted);
    }
  }
  // Some mutations hit whitespace or ignored text and stay valid; most must be rejected.
  EXPECT_GT(accepted, 0u);
  EXPECT_LT(accepted, total);
}

TEST(CodecFuzz, DeepNestingAndHugeNumbers) {
  const std::set<std::string> reasons(spotstream::testing::all_dlq_reasons().begin(),
                                      spotstream::testing::all_dlq_reasons().end());
  EventDecoder decoder(DecodeLimits{.max_message_bytes = 1 << 22});
  std::size_t accepted = 0;
  for (int depth : {10, 100, 5000, 100000}) {
    const std::string arrays = std::string(static_cast<std::size_t>(depth), '[') + std::string(static_cast<std::size_t>(depth), ']');
    check(decoder, InputKind::Prices, R"({"x":)" + arrays + "}", "", reasons, accepted);
    check(decoder, InputKind::Signals, R"({"detail":)" + arrays + "}", "", reasons, accepted);
    check(decoder, InputKind::Prices, std::string(static_cast<std::size_t>(depth), '{'), "", reasons, accepted);
  }
  for (const char* num : {"1e400", "-1e400", "123456789012345678901234567890", "1e-400", "-0", "0.0000000000000000000001"}) {
    check(decoder, InputKind::Prices,
          std::string(R"({"ts":1,"az":"us-east-1a","instance_type":"m5.large","product":"x","spot_price":)") + num + "}",
          "", reasons, accepted);
    check(decoder, InputKind::Prices,
          std::string(R"({"ts":)") + num + R"(,"az":"us-east-1a","instance_type":"m5.large","product":"x","spot_price":1})",
          "", reasons, accepted);
  }
}
