#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "src/core/time.hpp"
#include "tests/unit/codec_test_util.hpp"
#include "tests/unit/test_data.hpp"

using namespace spotstream;
namespace td = spotstream::testing;
using spotstream::testing::decode;

TEST(CodecPrice, CanonicalTickIsoTime) {
  auto d = decode(InputKind::Prices,
                  R"({"ts":"2020-02-20T22:06:16.000Z","region":"us-east-1","az":"us-east-1a","instance_type":"p3.2xlarge",)"
                  R"("product":"Linux/UNIX","spot_price":0.918,"on_demand_price":3.06})");
  ASSERT_TRUE(d.ok) << d.error.reason << ": " << d.error.detail;
  ASSERT_EQ(d.events.size(), 1u);
  const auto& t = d.at<PriceTick>();
  EXPECT_EQ(t.ts, parse_iso8601("2020-02-20T22:06:16.000Z"));
  EXPECT_EQ(t.region, "us-east-1");
  EXPECT_EQ(t.az, "us-east-1a");
  EXPECT_EQ(t.instance_type, "p3.2xlarge");
  EXPECT_EQ(t.product, "Linux/UNIX");
  EXPECT_EQ(t.spot_price, 0.918);
  EXPECT_EQ(t.on_demand_price, 3.06);
  EXPECT_EQ(t.pool_id(), "us-east-1a/p3.2xlarge/Linux/UNIX");
}

TEST(CodecPrice, CanonicalTickEpochMillisAndDerivedRegion) {
  auto d = decode(InputKind::Prices, R"({"ts":1582236376123,"az":"eu-west-2b","instance_type":"p3.8xlarge",)"
                                     R"("product":"Windows","spot_price":"4.5678"})");
  ASSERT_TRUE(d.ok) << d.error.detail;
  const auto& t = d.at<PriceTick>();
  EXPECT_EQ(t.ts, 1582236376123);
  EXPECT_EQ(t.region, "eu-west-2");
  EXPECT_EQ(t.spot_price, 4.5678);
  EXPECT_FALSE(t.has_on_demand());
}

TEST(CodecPrice, OptionalOnDemandNullNumericStringAndUnknownFields) {
  auto d = decode(InputKind::Prices,
                  R"({"extra":{"nested":[1,2.5,"x",null,true]},"ts":"2020-01-01T00:00:00Z","az":"use1-az2",)"
                  R"("instance_type":"m5.large","product":"Linux\/UNIX","spot_price":1,"on_demand_price":null})");
  ASSERT_TRUE(d.ok) << d.error.detail;
  const auto& t = d.at<PriceTick>();
  EXPECT_EQ(t.az, "use1-az2");
  EXPECT_EQ(t.region, "us-east-1");
  EXPECT_EQ(t.product, "Linux/UNIX");  // escaped slash
  EXPECT_EQ(t.spot_price, 1.0);
  EXPECT_FALSE(t.has_on_demand());

  auto s = decode(InputKind::Prices, R"({"ts":0,"az":"us-east-1a","instance_type":"m5.large","product":"Linux/UNIX",)"
                                     R"("spot_price":"0.5","on_demand_price":"0.096"})");
  ASSERT_TRUE(s.ok) << s.error.detail;
  EXPECT_EQ(s.at<PriceTick>().on_demand_price, 0.096);
}

TEST(CodecPrice, AwsItem) {
  auto d = decode(InputKind::Prices, R"({"AvailabilityZone":"us-east-1d","InstanceType":"p2.xlarge",)"
                                     R"("ProductDescription":"Linux/UNIX","SpotPrice":"0.340500",)"
                                     R"("Timestamp":"2020-02-20T23:21:08.000Z"})");
  ASSERT_TRUE(d.ok) << d.error.detail;
  const auto& t = d.at<PriceTick>();
  EXPECT_EQ(t.ts, parse_iso8601("2020-02-20T23:21:08.000Z"));
  EXPECT_EQ(t.az, "us-east-1d");
  EXPECT_EQ(t.region, "us-east-1");
  EXPECT_EQ(t.instance_type, "p2.xlarge");
  EXPECT_EQ(t.product, "Linux/UNIX");
  EXPECT_EQ(t.spot_price, 0.3405);
  EXPECT_FALSE(t.has_on_demand());
}

TEST(CodecPrice, CliResponseAllOrNothing) {
  auto empty = decode(InputKind::Prices, R"({"SpotPriceHistory":[],"NextToken":""})");
  EXPECT_TRUE(empty.ok);
  EXPECT_TRUE(empty.events.empty());

  const std::string good = R"({"AvailabilityZone":"us-east-1a","InstanceType":"c5.large","ProductDescription":"Linux/UNIX","SpotPrice":"0.03","Timestamp":"2020-01-01T00:00:00Z"})";
  const std::string bad = R"({"AvailabilityZone":"us-east-1a","InstanceType":"c5.large","ProductDescription":"Linux/UNIX","SpotPrice":"-0.03","Timestamp":"2020-01-01T00:00:00Z"})";
  auto two = decode(InputKind::Prices, R"({"SpotPriceHistory":[)" + good + "," + good + "]}");
  ASSERT_TRUE(two.ok) << two.error.detail;
  EXPECT_EQ(two.events.size(), 2u);

  EventDecoder decoder;
  std::vector<Event> out(3);  // pre-existing content must survive a failure untouched
  DecodeError err;
  EXPECT_FALSE(decoder.decode(InputKind::Prices, {}, R"({"SpotPriceHistory":[)" + good + "," + good + "," + bad + "]}",
                              out, err));
  EXPECT_EQ(out.size(), 3u);
  EXPECT_EQ(err.reason, dlq::kBadPrice);
  EXPECT_NE(err.detail.find("SpotPriceHistory[2]"), std::string::npos) << err.detail;
  EXPECT_NE(err.detail.find("SpotPrice"), std::string::npos) << err.detail;
}

TEST(CodecPrice, AwsCliDocumentedExample) {
  const auto text = td::read_file(td::shared_data_dir() / "aws-events" /
                                       "describe-spot-price-history.awscli-example.json");
  auto d = decode(InputKind::Prices, text);
  ASSERT_TRUE(d.ok) << d.error.detail;
  ASSERT_EQ(d.events.size(), 2u);
  const auto& a = d.at<PriceTick>(0);
  EXPECT_EQ(a.ts, parse_iso8601("2014-01-06T04:32:53.000Z"));
  EXPECT_EQ(a.product, "Linux/UNIX (Amazon VPC)");
  EXPECT_EQ(a.instance_type, "m1.xlarge");
  EXPECT_EQ(a.spot_price, 0.08);
  EXPECT_EQ(a.az, "us-west-1a");
  EXPECT_EQ(a.region, "us-west-1");
  const auto& b = d.at<PriceTick>(1);
  EXPECT_EQ(b.ts, parse_iso8601("2014-01-05T11:28:26.000Z"));
  EXPECT_EQ(b.az, "us-west-1c");
  EXPECT_EQ(b.region, "us-west-1");
}

namespace {

std::size_t count(const std::string& text, std::string_view needle) {
  std::size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
  return n;
}

// The string value of the first (or last) occurrence of "key": "value" in the raw text.
std::string literal(const std::string& text, const std::string& key, bool last) {
  const std::string needle = "\"" + key + "\": \"";
  const auto pos = last ? text.rfind(needle) : text.find(needle);
  if (pos == std::string::npos) return {};
  const auto start = pos + needle.size();
  return text.substr(start, text.find('"', start) - start);
}

std::vector<std::filesystem::path> price_history_files() {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(td::shared_data_dir() / "price-history"))
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

// Every real describe-spot-price-history file: row counts against the raw text, first and last
// rows against their literal values, and the totals the data README states.
TEST(CodecPrice, EveryPriceHistoryFile) {
  const auto files = price_history_files();
  ASSERT_GE(files.size(), 30u);
  std::size_t total = 0;
  std::set<std::string> pools;
  EventDecoder decoder(DecodeLimits{.max_message_bytes = 64 << 20});
  for (const auto& path : files) {
    SCOPED_TRACE(path.string());
    const auto text = td::read_file(path);
    std::vector<Event> out;
    DecodeError err;
    ASSERT_TRUE(decoder.decode(InputKind::Prices, {}, text, out, err)) << err.reason << ": " << err.detail;
    ASSERT_EQ(out.size(), count(text, "\"SpotPrice\":"));
    ASSERT_FALSE(out.empty());
    const std::string region = path.parent_path().filename().string();
    const std::string type = path.stem().string();
    for (const auto& e : out) {
      const auto& t = std::get<PriceTick>(e);
      EXPECT_EQ(t.region, region);
      EXPECT_EQ(t.instance_type, type);
      EXPECT_EQ(t.product, "Linux/UNIX");
      EXPECT_GT(t.spot_price, 0);
      pools.insert(t.pool_id());
    }
    for (bool last : {false, true}) {
      const auto& t = std::get<PriceTick>(last ? out.back() : out.front());
      EXPECT_EQ(t.az, literal(text, "AvailabilityZone", last));
      EXPECT_EQ(t.instance_type, literal(text, "InstanceType", last));
      EXPECT_EQ(t.product, literal(text, "ProductDescription", last));
      EXPECT_EQ(t.spot_price, std::strtod(literal(text, "SpotPrice", last).c_str(), nullptr));
      EXPECT_EQ(t.ts, parse_iso8601(literal(text, "Timestamp", last)));
    }
    total += out.size();
  }
  EXPECT_EQ(total, 10822u);
  EXPECT_EQ(pools.size(), 98u);
}

TEST(CodecPrice, FirstPageWithNextToken) {
  const auto path = td::shared_data_dir() / "price-history" / "training_on_a_dime" / "us-east-1" / "p2.xlarge.json";
  const auto text = td::read_file(path);
  ASSERT_NE(text.find("NextToken"), std::string::npos);
  EventDecoder decoder(DecodeLimits{.max_message_bytes = 64 << 20});
  std::vector<Event> out;
  DecodeError err;
  ASSERT_TRUE(decoder.decode(InputKind::Prices, {}, text, out, err)) << err.detail;
  EXPECT_EQ(out.size(), 1000u);
  const auto& first = std::get<PriceTick>(out.front());
  EXPECT_EQ(first.az, "us-east-1d");
  EXPECT_EQ(first.spot_price, 0.3405);
  EXPECT_EQ(first.ts, parse_iso8601("2020-02-20T23:21:08.000Z"));
}

// Prices are held in whole micro-dollars: one that would round to zero (4.9e-324, 4e-7) is
// bad_price instead of a free instance with discount depth 1; one micro-dollar is the smallest.
TEST(CodecPrice, PricesBelowOneMicroDollarAreBad) {
  auto tick = [](const std::string& price) {
    return decode(InputKind::Prices, R"({"ts":"2025-01-01T00:00:00Z","az":"us-east-1a","instance_type":"c5.large",)"
                                     R"("product":"Linux/UNIX","spot_price":)" + price + "}");
  };
  for (const char* bad : {"4.9e-324", "4e-7", "0.0000009", "\"0.0000004\"", "0", "-0.01"}) {
    const auto d = tick(bad);
    EXPECT_FALSE(d.ok) << bad;
    EXPECT_EQ(d.error.reason, dlq::kBadPrice) << bad;
  }
  const auto smallest = tick("0.000001");
  ASSERT_TRUE(smallest.ok) << smallest.error.detail;
  EXPECT_EQ(smallest.at<PriceTick>().spot_price, 0.000001);
}

// A number of more than 19 significant digits (a producer printing a decimal type) is the same
// price as its short form. Debian's simdjson 3.0.1 reads these as 0 (or 0.156 for the first one
// through get_double); both decoding paths must read them right.
TEST(CodecPrice, LongNumbersAreReadExactly) {
  const std::pair<const char*, double> cases[] = {
      {"0.34050000000000000000", 0.3405},
      {"0.340500000000000000000000", 0.3405},
      {"3.0600000000000000000000001", 3.06},
      {"0.1234567890123456789012", 0.1234567890123456789012},
      {"12.000000000000000000000e-1", 1.2},
  };
  for (bool scan : {true, false}) {
    for (const auto& [text, expected] : cases) {
      const std::string canonical = R"({"ts":1,"az":"us-east-1a","instance_type":"c5.large","product":"Linux/UNIX","spot_price":)" +
                                    std::string(text) + "}";
      const std::string aws = R"({"AvailabilityZone":"us-east-1a","InstanceType":"c5.large","ProductDescription":"Linux/UNIX",)"
                              R"("Timestamp":"2025-01-01T00:00:00Z","SpotPrice":)" + std::string(text) + "}";
      for (const auto& msg : {canonical, aws}) {
        const auto d = td::decode_with(DecodeLimits{.scan_canonical_ticks = scan}, InputKind::Prices, msg);
        ASSERT_TRUE(d.ok) << msg << ": " << d.error.detail;
        EXPECT_EQ(d.at<PriceTick>().spot_price, expected) << msg << " scan=" << scan;
      }
    }
  }
}
