// JsonWriter against nlohmann as the reference: every double reads back exactly, odd strings are
// escaped byte for byte as nlohmann escapes them, and a whole spot.risk record encoded by the
// writer equals, as a JSON value, the same record built field by field with nlohmann.
#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>

#include "codec_test_util.hpp"
#include "src/codec/json_encoder.hpp"
#include "src/codec/json_writer.hpp"
#include "src/core/time.hpp"

using namespace spotstream;
using json = nlohmann::json;

namespace {

std::string write_number(double v) {
  return JsonWriter().number(v).take();
}

}  // namespace

TEST(JsonWriter, DoublesReadBackExactly) {
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<std::uint64_t> bits;
  int checked = 0;
  for (int i = 0; i < 200'000; ++i) {
    double v;
    const std::uint64_t b = bits(rng);
    std::memcpy(&v, &b, sizeof v);
    if (!std::isfinite(v)) continue;
    const auto back = json::parse(write_number(v)).get<double>();
    ASSERT_EQ(std::memcmp(&back, &v, sizeof v), 0) << write_number(v);
    // Again, and a neighbour that may share its memo slot: the text is recalled exactly.
    const double next = std::nextafter(v, 0.0);
    ASSERT_EQ(json::parse(write_number(next)).get<double>(), next);
    ASSERT_EQ(json::parse(write_number(v)).get<double>(), v);
    ++checked;
  }
  EXPECT_GT(checked, 190'000);
  for (double v : {0.0, -0.0, 3.0, 1e22, 0.1, 1.0 / 3, 5e-324, 1.7976931348623157e308}) {
    const std::string text = write_number(v);
    EXPECT_EQ(json::parse(text).get<double>(), v) << text;
    EXPECT_TRUE(json::parse(text).is_number_float()) << text;  // 3.0, not 3, as nlohmann writes it
  }
  EXPECT_EQ(write_number(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(write_number(-std::numeric_limits<double>::infinity()), "null");
}

TEST(JsonWriter, StringsEscapedAsNlohmannEscapesThem) {
  for (std::string s : {std::string("us-east-1a"), std::string("quote\" back\\slash"), std::string("tab\tnl\n"),
                        std::string("\x01\x1f", 2), std::string("caf\xc3\xa9"), std::string("bad \xff\xfe utf8"),
                        std::string("nul\0inside", 10), std::string()}) {
    EXPECT_EQ(JsonWriter().string(s).take(), json(s).dump(-1, ' ', false, json::error_handler_t::replace));
  }
}

TEST(JsonWriter, CommasAndNesting) {
  JsonWriter w(4);  // grows as it goes
  w.begin_object().key("a").integer(-1).key("b").begin_array().boolean(true).null().begin_object().end_object()
      .end_array().key("c").begin_object().key("d").string("x").end_object().end_object();
  EXPECT_EQ(w.take(), R"({"a":-1,"b":[true,null,{}],"c":{"d":"x"}})");
}

// The reference: the record built with nlohmann, field by field from the schema's description.
// encode_price_tick writes with JsonWriter: the same fields, order and strings as a document built
// with nlohmann, and numbers that read back to the same doubles (JsonWriter writes the shortest
// form, which nlohmann's grisu2 sometimes misses by a digit).
TEST(JsonWriter, PriceTickReadsBackAsAnNlohmannBuiltReference) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> price(0.0001, 40.0);
  const std::string odd[] = {"us-east-1a", "quote\" back\\slash", "bad \xff utf8", "", "Linux/UNIX (Amazon VPC)"};
  for (int i = 0; i < 2000; ++i) {
    PriceTick t;
    t.ts = 1735689600000 + static_cast<TimestampMs>(rng() % 100'000'000'000ULL) - 50'000'000'000;
    t.az = odd[rng() % 5];
    t.region = i % 3 == 0 ? std::string() : odd[rng() % 5];
    t.instance_type = odd[rng() % 5];
    t.product = odd[rng() % 5];
    t.spot_price = i % 7 == 0 ? std::floor(price(rng)) : price(rng);
    if (i % 2) t.on_demand_price = price(rng);
    nlohmann::ordered_json j;
    j["ts"] = format_iso8601(t.ts);
    if (!t.region.empty()) j["region"] = t.region;
    j["az"] = t.az;
    j["instance_type"] = t.instance_type;
    j["product"] = t.product;
    j["spot_price"] = t.spot_price;
    if (t.has_on_demand()) j["on_demand_price"] = t.on_demand_price;
    const std::string text = encode_price_tick(t);
    const auto back = nlohmann::ordered_json::parse(text);
    ASSERT_EQ(back.dump(-1, ' ', false, json::error_handler_t::replace), j.dump(-1, ' ', false, json::error_handler_t::replace))
        << text;
    ASSERT_EQ(back["spot_price"].get<double>(), t.spot_price) << text;
  }
}

TEST(JsonWriter, RiskRecordEqualsAnNlohmannBuiltReference) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(-2, 2);
  for (int i = 0; i < 500; ++i) {
    auto r = spotstream::testing::risk_sample();
    Features& f = r.features;
    for (double* x : {&f.price, &f.window_min, &f.window_max, &f.price_position, &f.discount_depth,
                      &f.on_demand_price, &f.family_stress_mean, &f.family_stress_max, &f.volatility_24h,
                      &f.hour_sin, &f.hour_cos, &f.instance_cores, &f.instance_ram_gb, &r.score.stability,
                      &r.score.crash_probability})
      *x = i % 7 == 0 ? std::nan("") : u(rng) * std::pow(10.0, static_cast<int>(u(rng) * 6));
    f.is_weekend = i % 2;
    r.warming = i % 4 == 1;
    f.family_pools = static_cast<std::uint32_t>(i);
    if (i % 3 == 0) f.advisor_band = -1;
    if (i % 5 == 0) r.product = "Windows \"odd\"\n\xff";
    r.score.assumptions = static_cast<std::uint8_t>(i % 16);
    r.score.model_version = i % 2 ? "2025-01-07T00:00:00.000Z" : "1";
    for (std::size_t w = 0; w < kPressureWindows; ++w) {
      r.pressure_windows_ms[w] = 600000 * static_cast<std::int64_t>(w + 1) * i;
      f.pressure.pool_notices[w] = static_cast<std::uint32_t>(i % 3 + w);
      f.pressure.pool_rebalances[w] = static_cast<std::uint32_t>(i % 5 * w);
      f.pressure.family_notices[w] = static_cast<std::uint32_t>(i + w);
      f.pressure.family_rebalances[w] = static_cast<std::uint32_t>(7 * w);
    }

    auto num = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
    json ref = {{"pool", r.pool}, {"region", r.region}, {"az", r.az}, {"instance_type", r.instance_type},
                {"product", json(r.product).dump(-1, ' ', false, json::error_handler_t::replace)},
                {"family", r.family}, {"ts", format_iso8601(r.ts)}, {"ts_ms", r.ts}, {"warming", r.warming}};
    ref["product"] = json::parse(ref["product"].get<std::string>());
    ref["features"] = {{"price", num(f.price)}, {"window_min", num(f.window_min)}, {"window_max", num(f.window_max)},
                       {"price_position", num(f.price_position)}, {"discount_depth", num(f.discount_depth)},
                       {"on_demand_price", num(f.on_demand_price)}, {"on_demand_source", f.on_demand_source},
                       {"family_stress_mean", num(f.family_stress_mean)},
                       {"family_stress_max", num(f.family_stress_max)}, {"family_pools", f.family_pools},
                       {"volatility_24h", num(f.volatility_24h)}, {"hour_sin", num(f.hour_sin)},
                       {"hour_cos", num(f.hour_cos)}, {"is_weekend", f.is_weekend},
                       {"is_business_hours", f.is_business_hours}, {"ticks_in_window", f.ticks_in_window},
                       {"instance_cores", num(f.instance_cores)}, {"instance_ram_gb", num(f.instance_ram_gb)}};
    ref["band"] = f.advisor_band >= 0 ? json{{"index", f.advisor_band}, {"label", r.advisor_band_label},
                                             {"savings_pct", f.advisor_savings_pct}}
                                      : json(nullptr);
    const auto counts = [](const std::uint32_t* c) { return json::array({c[0], c[1], c[2]}); };
    ref["pressure"] = {{"windows_ms", json::array({r.pressure_windows_ms[0], r.pressure_windows_ms[1], r.pressure_windows_ms[2]})},
                       {"pool_notices", counts(f.pressure.pool_notices)},
                       {"pool_rebalances", counts(f.pressure.pool_rebalances)},
                       {"family_notices", counts(f.pressure.family_notices)},
                       {"family_rebalances", counts(f.pressure.family_rebalances)}};
    ref["stability"] = num(r.score.stability);
    ref["crash_probability"] = num(r.score.crash_probability);
    ref["label"] = r.score.label;
    ref["model"] = r.score.model;
    ref["model_version"] = r.score.model_version;
    ref["model_kind"] = r.score.model_kind;
    ref["assumptions"] = json::array();
    for (const auto code : assumption_codes(r.score.assumptions)) ref["assumptions"].push_back(code);
    ASSERT_EQ(json::parse(encode_risk_record(r)), ref) << i;
  }
}

// The text of a number is std::to_chars's shortest form (the golden files and every consumer's
// bytes depend on its choice of fixed or scientific notation), with ".0" on whole numbers. The
// reference is std::to_chars itself, over random bit patterns and over the values records carry:
// prices of a few decimals, ratios, whole numbers, and the edges where the notation changes.
TEST(JsonWriter, NumbersAreWrittenAsStdToCharsWritesThem) {
  const auto reference = [](double v) {
    char buf[32];
    std::string s(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
    if (s.find_first_of(".e") == std::string::npos) s += ".0";
    return s;
  };
  const auto check = [&](double v) {
    char buf[32];
    const std::string got(buf, json_number_text(v, buf));
    ASSERT_EQ(got, reference(v)) << std::hexfloat << v;
  };
  std::mt19937_64 rng(29);
  std::uniform_int_distribution<std::uint64_t> bits;
  for (int i = 0; i < 1'000'000; ++i) {
    double v;
    const std::uint64_t b = bits(rng);
    std::memcpy(&v, &b, sizeof v);
    if (std::isfinite(v)) check(v);
  }
  std::uniform_int_distribution<std::int64_t> units(-100'000'000'000, 100'000'000'000);
  std::uniform_int_distribution<int> scale(0, 22);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int i = 0; i < 1'000'000; ++i) {
    check(static_cast<double>(units(rng)) / std::pow(10.0, scale(rng)));  // decimals: prices, bounds
    check(unit(rng) * std::pow(10.0, scale(rng) - 11));                   // full-precision ratios
  }
  for (int e = -330; e <= 310; ++e)
    for (const double m : {1.0, 1.5, 2.0, 9.999999999999999, 1.2345678901234567, 5e-324 * 1e300})
      for (const double sign : {1.0, -1.0}) {
        const double v = sign * m * std::pow(10.0, e);
        if (!std::isfinite(v)) continue;
        check(v);
        check(std::nextafter(v, 0.0));
        check(std::nextafter(v, std::numeric_limits<double>::infinity()));
      }
  for (const double v : {0.0, -0.0, 5e-324, -5e-324, std::numeric_limits<double>::max(), 9007199254740991.0,
                         9007199254740992.0, 9007199254740993.0, 1e15, 1e16, 123456789012345680.0, 0.001, 0.0001,
                         0.00012, 0.000123, 1e21, 1e22, 100000.0, 10000.0})
    check(v);
}
