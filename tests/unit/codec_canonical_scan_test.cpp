// The canonical tick scanner: it takes the plain shapes (checked against hand-computed values),
// leaves everything else to simdjson, and whatever it takes decodes exactly as simdjson's path
// decodes it: events and refusals alike (the general decoder is the reference, with the scanner
// off).
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <random>

#include "src/codec/decoding.hpp"
#include "tests/unit/codec_test_util.hpp"

using namespace spotstream;
namespace cd = spotstream::codec_detail;

namespace {

bool scans(std::string_view msg) {
  cd::CanonicalTickFields fields;
  return cd::scan_canonical_tick(msg, fields);
}

std::string tick_text(const Event& e) {
  const auto& t = std::get<PriceTick>(e);
  char buf[320];
  std::snprintf(buf, sizeof buf, "%lld %s %s %s %s %016llx %016llx", static_cast<long long>(t.ts), t.region.c_str(),
                t.az.c_str(), t.instance_type.c_str(), t.product.c_str(),
                static_cast<unsigned long long>(std::bit_cast<std::uint64_t>(t.spot_price)),
                static_cast<unsigned long long>(std::bit_cast<std::uint64_t>(t.on_demand_price)));
  return buf;
}

// Decodes `msg` with the scanner and without it; both must agree in every respect.
void expect_same_decoding(EventDecoder& scanning, EventDecoder& general, const std::string& msg) {
  std::vector<Event> a, b;
  DecodeError ea, eb;
  const bool oka = scanning.decode(InputKind::Prices, {}, msg, a, ea);
  const bool okb = general.decode(InputKind::Prices, {}, msg, b, eb);
  ASSERT_EQ(oka, okb) << msg << "\nscanner: " << ea.detail << "\ngeneral: " << eb.detail;
  ASSERT_EQ(a.size(), b.size()) << msg;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(tick_text(a[i]), tick_text(b[i])) << msg;
    // Both fill in the routing hash, as the source would compute it.
    for (const auto* e : {&a[i], &b[i]})
      ASSERT_EQ(std::get<PriceTick>(*e).key_hash, std::get<PriceTick>(*e).routing_hash()) << msg;
  }
  ASSERT_EQ(ea.reason, eb.reason) << msg;
  ASSERT_EQ(ea.detail, eb.detail) << msg;
}

const char* const kNumbers[] = {"0.918", "3.06", "1", "0", "-0", "12", "0.000001", "1e-7", "1E2", "2.5e+1",
                                "1000", "1000.0000001", "0.1234567890123456789", "123456789012345678",
                                "1234567890123456789", "99999999999999999999", "4.9e-324", "1e-400", "1e400",
                                "-1.5", "00.5", "1.", ".5", "1e", "+1", "0x10", "1.5.2", "7e-3",
                                "\"0.34\"", "\"1e2\"", "\"abc\"", "\"\"", "null", "true", "[1]", "{}",
                                // around the exact path for short decimals: 2^53 as digits, one more, 18 and 19 places
                                "0.9007199254740992", "0.9007199254740993", "9007199254740.992", "-0.0", "0.1", "0.3",
                                "0.000000000000000001", "0.0000000000000000001", "1.7976931348623157", "0.30000000000000004"};

std::string random_number(std::mt19937_64& rng, bool clean) {
  if (!clean && rng() % 3 == 0) return kNumbers[rng() % std::size(kNumbers)];
  const double v = std::ldexp(static_cast<double>(rng() % 1000000 + 1), static_cast<int>(rng() % 60) - 50);
  char buf[64];
  const char* fmt[] = {"%.1f", "%.6f", "%.17g", "%g", "%.3e", "%.0f"};
  std::snprintf(buf, sizeof buf, fmt[rng() % std::size(fmt)], v);
  return buf;
}

// Half the ticks are drawn from good values only (the first entries of each list), so that many
// are accepted; the others mix in values each rule refuses.
std::string random_tick(std::mt19937_64& rng) {
  const bool clean = rng() % 2;
  auto pick = [&](const auto& values, std::size_t good) { return values[rng() % (clean ? good : std::size(values))]; };
  const char* const ts[] = {"\"2020-02-20T22:06:16.000Z\"", "1582236376000", "\"2020-02-20T22:06:16Z\"",
                            "\"2020-02-30T00:00:00Z\"", "-5", "4102444800000", "1582236376000.5",
                            "\"2020-02-20T22:06:16.000+01:00\"", "\"yesterday\""};
  const char* const azs[] = {"\"us-east-1a\"", "\"use1-az2\"", "\"us-west-2-lax-1a\"", "\"mars-1a\"", "\"\""};
  const char* const regions[] = {"\"us-east-1\"", "\"us-west-2\"", "\"\"", "\"nowhere\""};
  const char* const types[] = {"\"p3.2xlarge\"", "\"m5.large\"", "\"\"", "\"M5.LARGE\"", "\"x\""};
  const char* const spaces[] = {"", "", "", " ", "\n", "\t ", "\r\n"};
  std::vector<std::pair<std::string, std::string>> fields = {
      {"ts", pick(ts, 3)},
      {"region", pick(regions, 1)},
      {"az", pick(azs, 2)},
      {"instance_type", pick(types, 2)},
      {"product", rng() % 8 ? "\"Linux/UNIX\"" : "\"Windows\""},
      {"spot_price", random_number(rng, clean)},
      {"on_demand_price", random_number(rng, clean)},
  };
  if (rng() % 4 == 0) std::shuffle(fields.begin(), fields.end(), rng);
  if (rng() % 4 == 0) fields.erase(fields.begin() + static_cast<std::ptrdiff_t>(rng() % fields.size()));
  if (rng() % 10 == 0) fields.push_back(fields[rng() % fields.size()]);  // a repeated key
  if (rng() % 10 == 0) fields.emplace_back("extra", "1");
  auto sp = [&] { return std::string(spaces[rng() % std::size(spaces)]); };
  std::string s = sp() + "{";
  for (std::size_t i = 0; i < fields.size(); ++i)
    s += (i ? "," : "") + sp() + "\"" + fields[i].first + "\"" + sp() + ":" + sp() + fields[i].second + sp();
  return s + "}" + sp();
}

}  // namespace

TEST(CanonicalTickScan, DecodesThePlainShapes) {
  // CodecPrice.CanonicalTickIsoTime checks every field of this tick, which takes the scanner.
  const std::string tick = R"({"ts":"2020-02-20T22:06:16.000Z","region":"us-east-1","az":"us-east-1a",)"
                           R"("instance_type":"p3.2xlarge","product":"Linux/UNIX","spot_price":0.918,"on_demand_price":3.06})";
  ASSERT_TRUE(scans(tick));
  const auto d = spotstream::testing::decode(InputKind::Prices, tick);
  ASSERT_TRUE(d.ok) << d.error.detail;
  EXPECT_EQ(d.at<PriceTick>().ts, 1582236376000);  // 18,312 days and 79,576 s after the epoch

  const std::string spaced = " {\"az\" : \"use1-az2\",\n\"spot_price\": \"0.5\", \"product\":\"Windows\","
                             "\"instance_type\":\"m5.large\",\"ts\":86400000} \n";
  ASSERT_TRUE(scans(spaced));
  const auto e = spotstream::testing::decode(InputKind::Prices, spaced);
  ASSERT_TRUE(e.ok) << e.error.detail;
  EXPECT_EQ(e.at<PriceTick>().ts, 86400000);
  EXPECT_EQ(e.at<PriceTick>().region, "us-east-1");  // from the AZ id
  EXPECT_EQ(e.at<PriceTick>().spot_price, 0.5);
  EXPECT_TRUE(std::isnan(e.at<PriceTick>().on_demand_price));
}

TEST(CanonicalTickScan, TakesOnlyWhatItReadsExactly) {
  const std::string head = R"({"ts":1,"az":"us-east-1a","instance_type":"m5.large","product":"Linux/UNIX","spot_price":)";
  EXPECT_TRUE(scans(head + "0.5}"));
  EXPECT_TRUE(scans(head + "\"0.5\"}"));
  EXPECT_TRUE(scans(head + "5e-1 }  "));
  EXPECT_TRUE(scans(R"({"ts":"2020-02-20T22:06:16Z"})"));  // well-formed; the general rules refuse it
  for (const char* bad : {"null}", "0.5,}", "0.5}x", "0.5", "01}", "1.}", ".5}", "-}", "\"a\\\"b\"}",
                          "\"\xc3\xa9\"}", "\"\x01\"}", "[0.5]}", "{\"v\":1}}", "true}", "1e400}",
                          "12345678901234567890}"})
    EXPECT_FALSE(scans(head + bad)) << bad;
  EXPECT_FALSE(scans("{}"));
  EXPECT_FALSE(scans(R"({"ts":1,"ts":2})"));
  EXPECT_FALSE(scans(R"({"ts":1,"extra":2})"));
  EXPECT_FALSE(scans(R"({"t\u0073":1})"));
  EXPECT_FALSE(scans(R"({"SpotPrice":"0.3"})"));
  EXPECT_FALSE(scans("{\"ts\":1"));
}

TEST(CanonicalTickScan, AgreesWithTheGeneralDecoder) {
  EventDecoder scanning, general(DecodeLimits{.scan_canonical_ticks = false});
  std::mt19937_64 rng(20261205);
  std::size_t scanned = 0, accepted = 0;
  constexpr int kCases = 60000;
  for (int i = 0; i < kCases; ++i) {
    std::string msg = random_tick(rng);
    if (rng() % 5 == 0) {  // a byte changed: most such messages are refused, by either path
      const char odd[] = "\"\\,:{}[] 0.-eE\x7f\x80";
      msg[rng() % msg.size()] = rng() % 2 ? odd[rng() % (sizeof odd - 1)] : static_cast<char>(rng());
    }
    scanned += scans(msg);
    std::vector<Event> out;
    DecodeError err;
    accepted += scanning.decode(InputKind::Prices, {}, msg, out, err);
    expect_same_decoding(scanning, general, msg);
    if (::testing::Test::HasFatalFailure()) return;
  }
  // The comparison means something only if the scanner took many messages, good and bad.
  EXPECT_GT(scanned, kCases / 3);
  EXPECT_GT(accepted, kCases / 20);
  EXPECT_LT(accepted, scanned);
}

TEST(CanonicalTickScan, ReadsEveryListedNumberAsTheGeneralDecoderDoes) {
  EventDecoder scanning, general(DecodeLimits{.scan_canonical_ticks = false});
  const std::string head = R"({"ts":1,"az":"us-east-1a","instance_type":"m5.large","product":"Linux/UNIX","spot_price":)";
  for (const char* number : kNumbers) {
    expect_same_decoding(scanning, general, head + number + "}");
    expect_same_decoding(scanning, general, head + "0.5,\"on_demand_price\":" + number + "}");
    if (::testing::Test::HasFatalFailure()) return;
  }
  // Against the compiler's own reading of the same literals: the exact path's division is
  // correctly rounded, and keeps the sign of zero.
  constexpr std::size_t kSpotPrice = 5;
  static_assert(cd::kCanonicalTickKeys[kSpotPrice] == "spot_price");
  const auto scanned_price = [&](const char* number) {
    cd::CanonicalTickFields fields;
    EXPECT_TRUE(cd::scan_canonical_tick(head + number + "}", fields)) << number;
    EXPECT_EQ(fields[kSpotPrice].kind, cd::Scalar::Kind::Double) << number;
    return fields[kSpotPrice].d;
  };
  EXPECT_EQ(scanned_price("0.30000000000000004"), 0.1 + 0.2);
  EXPECT_EQ(scanned_price("0.9007199254740992"), 0.9007199254740992);
  EXPECT_EQ(scanned_price("0.000000000000000001"), 1e-18);
  EXPECT_TRUE(std::signbit(scanned_price("-0.0")));
}

// Compact ticks whose pool text (between the time and the spot price) recurs, as a feed's does,
// so that most are decoded from the decoder's memory of the pool: each decodes, or is refused,
// exactly as the general decoder decodes or refuses it, whether its pool text was first seen in a
// good tick or a bad one, whatever the time and prices around it.
TEST(CanonicalTickScan, RememberedPoolsDecodeAsTheGeneralDecoderDoes) {
  const char* const pools[] = {
      R"(,"region":"us-east-1","az":"us-east-1a","instance_type":"m5.large","product":"Linux/UNIX",)",
      R"(,"az":"eu-west-1b","instance_type":"c5.xlarge","product":"Windows",)",
      R"(,"az":"use1-az2","instance_type":"r6g.2xlarge","product":"Red Hat Enterprise Linux",)",
      R"(,"region":"us-west-2","az":"us-west-2-lax-1a","instance_type":"m7i-flex.large","product":"Linux/UNIX",)",
      R"(,"region":"us-west-2","az":"us-east-1a","instance_type":"m5.large","product":"Linux/UNIX",)",  // not its region
      R"(,"az":"mars-1a","instance_type":"m5.large","product":"Linux/UNIX",)",
      R"(,"az":"us-east-1a","instance_type":"m5","product":"Linux/UNIX",)",
      R"(,"az":"us-east-1a","instance_type":"m5.large","product":"",)",
      R"(,"az":"us-east-1a","instance_type":"m5.large",)",  // no product
      R"(,"az":"us-east-1a","instance_type":"m5.large","product":"Linux/UNIX","on_demand_price":0.096,)",
      R"(,"az":"us-east-1a","instance_type":"m5.large","product":"Linux/UNIX","spot_price":0.5,)",
      R"(,"ts":"2020-02-20T22:06:16Z","az":"us-east-1a","instance_type":"m5.large","product":"Linux/UNIX",)",
      R"(,"product":"Linux/UNIX","az":"us-east-1a","instance_type":"m5.large",)",
      R"(, "az": "us-east-1a", "instance_type": "m5.large", "product": "Linux/UNIX", )",
      R"(,"az":"us-east-1a","instance_type":"m5.large","product":"Linux\/UNIX",)",
      R"(,"az":"us-east-1a","instance_type":"m5.large","product":"Linux/UNIX","extra":1,)",
      R"(,"az":"us-east-1a",,"instance_type":"m5.large","product":"Linux/UNIX",)",
      R"("az":"us-east-1a","instance_type":"m5.large","product":"Linux/UNIX",)",  // no comma after the time
      R"(,"az":"us-east-1a","instance_type":"m5.large","product":"Linux/UNIX")",  // none before the price
  };
  const char* const times[] = {"2020-02-20T22:06:16.000Z", "2020-02-20T22:06:16Z", "2026-12-08T01:02:03.5+01:00",
                               "2020-02-30T00:00:00Z", "2100-01-01T00:00:00Z", "yesterday", "", "2020-02-20T22:06:16\\u005a"};
  EventDecoder scanning, general(DecodeLimits{.scan_canonical_ticks = false});
  std::mt19937_64 rng(20261208);
  std::size_t accepted = 0;
  constexpr int kCases = 40000;
  for (int i = 0; i < kCases; ++i) {
    const bool clean = rng() % 2;
    std::string msg = std::string(R"({"ts":")") + times[rng() % (clean ? 2 : std::size(times))] + "\"" +
                      pools[rng() % (clean ? 4 : std::size(pools))] + "\"spot_price\":" + random_number(rng, clean);
    if (rng() % 2) msg += ",\"on_demand_price\":" + random_number(rng, clean);
    msg += rng() % 20 ? "}" : rng() % 2 ? "} " : "";
    std::vector<Event> out;
    DecodeError err;
    accepted += scanning.decode(InputKind::Prices, {}, msg, out, err);
    expect_same_decoding(scanning, general, msg);
    if (::testing::Test::HasFatalFailure()) return;
  }
  EXPECT_GT(accepted, kCases / 10);  // thousands of good ticks, each of the good pools seen over and over
  EXPECT_LT(accepted, kCases);
}
