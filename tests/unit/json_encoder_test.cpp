// Encoders: exact shapes where AWS defines them, and round trips through EventDecoder (inputs) or
// the readers (decisions, DLQ records): whatever we write reads back as equal values.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "src/codec/json_encoder.hpp"
#include "src/core/time.hpp"
#include "tests/unit/codec_test_util.hpp"
#include "tests/unit/test_data.hpp"

using namespace spotstream;
namespace td = spotstream::testing;
using nlohmann::json;

namespace {

template <class T>
T decode_one(InputKind kind, const std::string& text, std::string_view key = {}) {
  auto d = td::decode(kind, text, key);
  EXPECT_TRUE(d.ok) << text << "\n" << d.error.reason << ": " << d.error.detail;
  EXPECT_EQ(d.events.size(), 1u) << text;
  return d.ok && d.events.size() == 1 ? d.at<T>() : T{};
}

void expect_equal(const PriceTick& a, const PriceTick& b, bool with_on_demand = true) {
  EXPECT_EQ(a.ts, b.ts);
  EXPECT_EQ(a.region, b.region);
  EXPECT_EQ(a.az, b.az);
  EXPECT_EQ(a.instance_type, b.instance_type);
  EXPECT_EQ(a.product, b.product);
  EXPECT_EQ(a.spot_price, b.spot_price);
  if (with_on_demand) {
    EXPECT_EQ(a.has_on_demand(), b.has_on_demand());
    if (a.has_on_demand()) {
      EXPECT_EQ(a.on_demand_price, b.on_demand_price);
    }
  }
}

void expect_equal(const Signal& a, const Signal& b, bool with_format = true) {
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.action, b.action);
  if (with_format) {
    EXPECT_EQ(a.format, b.format);
  }
  EXPECT_EQ(a.instance_id, b.instance_id);
  EXPECT_EQ(a.region, b.region);
  EXPECT_EQ(a.az, b.az);
  EXPECT_EQ(a.event_id, b.event_id);
  EXPECT_EQ(a.ts, b.ts);
  EXPECT_EQ(a.action_time, b.action_time);
}

PriceTick tick(double price, double on_demand = std::numeric_limits<double>::quiet_NaN()) {
  PriceTick t;
  t.ts = *parse_iso8601("2020-02-20T22:06:16.123Z");
  t.region = "eu-west-1";
  t.az = "eu-west-1b";
  t.instance_type = "p3.16xlarge";
  t.product = "Linux/UNIX (Amazon VPC)";
  t.spot_price = price;
  t.on_demand_price = on_demand;
  return t;
}

}  // namespace

TEST(JsonEncoder, PriceTickRoundTrips) {
  for (double price : {0.918, 0.3405, 1.0, 1e-6, 0.1 + 0.2, 999.999999, 24.48}) {
    for (double od : {std::numeric_limits<double>::quiet_NaN(), 3.06, 0.1 + 0.7}) {
      const auto t = tick(price, od);
      const auto text = encode_price_tick(t);
      expect_equal(decode_one<PriceTick>(InputKind::Prices, text), t);
    }
  }
  EXPECT_EQ(encode_price_tick(tick(0.918, 3.06)),
            R"({"ts":"2020-02-20T22:06:16.123Z","region":"eu-west-1","az":"eu-west-1b","instance_type":"p3.16xlarge",)"
            R"j("product":"Linux/UNIX (Amazon VPC)","spot_price":0.918,"on_demand_price":3.06})j");
  // AZ ids work too.
  auto t = tick(1.5);
  t.az = "euw1-az3";
  expect_equal(decode_one<PriceTick>(InputKind::Prices, encode_price_tick(t)), t);
}

TEST(JsonEncoder, AwsPriceItemShapeAndRoundTrip) {
  const auto t = tick(0.3405);
  EXPECT_EQ(encode_aws_price_item(t),
            R"j({"AvailabilityZone":"eu-west-1b","InstanceType":"p3.16xlarge","ProductDescription":"Linux/UNIX (Amazon VPC)",)j"
            R"("SpotPrice":"0.340500","Timestamp":"2020-02-20T22:06:16.123Z"})");
  // AWS items carry no on-demand price; everything else comes back, including prices that six
  // decimals cannot hold.
  for (double price : {0.3405, 0.1 + 0.2, 1.0000001, 123.456789})
    expect_equal(decode_one<PriceTick>(InputKind::Prices, encode_aws_price_item(tick(price))), tick(price), false);
}

TEST(JsonEncoder, EventBridgeMatchesAwsSamples) {
  // Decode each real sample, encode it back, and compare with the original JSON. The account is
  // the one field we never learn.
  for (const char* name : {"eventbridge-spot-itn.nth.json", "eventbridge-rebalance.nth.json",
                           "eventbridge-spot-itn.karpenter-design.json"}) {
    SCOPED_TRACE(name);
    const auto original = td::read_file(td::shared_data_dir() / "aws-events" / name);
    const auto s = decode_one<Signal>(InputKind::Signals, original);
    auto expected = json::parse(original);
    auto actual = json::parse(encode_eventbridge_signal(s));
    expected.erase("account");
    EXPECT_EQ(actual["account"], "000000000000");
    actual.erase("account");
    EXPECT_EQ(actual, expected) << actual.dump(2);
    // And the fields arrive in AWS's order.
    std::vector<std::string> keys;
    const auto ordered = nlohmann::ordered_json::parse(encode_eventbridge_signal(s));
    for (const auto& item : ordered.items()) keys.push_back(item.key());
    EXPECT_EQ(keys, (std::vector<std::string>{"version", "id", "detail-type", "source", "account", "time", "region",
                                              "resources", "detail"}));
  }
}

TEST(JsonEncoder, EventBridgeRoundTrips) {
  Signal s;
  s.kind = SignalKind::Interruption;
  s.action = InstanceAction::Hibernate;
  s.instance_id = "i-0123456789abcdef0";
  s.az = "cn-northwest-1b";
  s.region = "cn-northwest-1";
  s.event_id = "abc-123";
  s.ts = *parse_iso8601("2023-03-03T03:03:03.333Z");
  s.action_time = s.ts + 120000;  // EventBridge carries one time; the other is derived
  const auto text = encode_eventbridge_signal(s);
  EXPECT_NE(text.find("arn:aws-cn:ec2:cn-northwest-1b:instance/i-0123456789abcdef0"), std::string::npos) << text;
  expect_equal(decode_one<Signal>(InputKind::Signals, text), s);

  Signal r;
  r.kind = SignalKind::Rebalance;
  r.instance_id = "i-1";
  r.region = "us-gov-west-1";
  r.event_id = "e";
  r.ts = 1700000000000;
  const auto rtext = encode_eventbridge_signal(r);
  EXPECT_NE(rtext.find("arn:aws-us-gov:ec2:us-gov-west-1:instance/i-1"), std::string::npos) << rtext;
  EXPECT_EQ(json::parse(rtext)["time"], "2023-11-14T22:13:20Z");  // AWS's second-precision form
  expect_equal(decode_one<Signal>(InputKind::Signals, rtext), r);

  // A signal without an EventBridge id (from IMDS) gets a stable UUID-shaped one.
  Signal m = r;
  m.event_id.clear();
  const auto id1 = json::parse(encode_eventbridge_signal(m))["id"].get<std::string>();
  EXPECT_EQ(id1, json::parse(encode_eventbridge_signal(m))["id"].get<std::string>());
  EXPECT_EQ(id1.size(), 36u);
  m.ts += 1;
  EXPECT_NE(id1, json::parse(encode_eventbridge_signal(m))["id"].get<std::string>());
}

TEST(JsonEncoder, CanonicalSignalRoundTrips) {
  for (auto kind : {SignalKind::Interruption, SignalKind::Rebalance}) {
    Signal s;
    s.kind = kind;
    s.format = SignalFormat::Canonical;
    s.action = kind == SignalKind::Interruption ? InstanceAction::Stop : InstanceAction::None;
    s.instance_id = "i-42";
    s.az = "use1-az4";
    s.region = "us-east-1";
    s.event_id = kind == SignalKind::Interruption ? "ev-1" : "";
    s.ts = 1650000000123;
    s.action_time = kind == SignalKind::Interruption ? s.ts + 90000 : 0;
    expect_equal(decode_one<Signal>(InputKind::Signals, encode_signal(s)), s);
  }
  // IMDS signals re-encoded canonically keep every value (the format becomes canonical).
  const auto imds = decode_one<Signal>(
      InputKind::Signals, td::read_file(td::shared_data_dir() / "aws-events" / "imds-spot-instance-action.karpenter-design.json"),
      "i-0abc");
  expect_equal(decode_one<Signal>(InputKind::Signals, encode_signal(imds)), imds, false);
}

TEST(JsonEncoder, FleetEventRoundTrips) {
  FleetEvent f;
  f.action = FleetAction::Join;
  f.ts = 1700000000000;
  f.fleet = "prod";
  f.node_id = "node-1";
  f.instance_id = "i-1";
  f.az = "us-west-2-lax-1a";
  f.region = "us-west-2";
  f.instance_type = "c6gn.16xlarge";
  f.product = "Red Hat Enterprise Linux";
  f.vcpu = 64;
  f.memory_gib = 128;
  f.arch = "arm64";
  auto back = decode_one<FleetEvent>(InputKind::Fleet, encode_fleet_event(f));
  EXPECT_EQ(encode_fleet_event(back), encode_fleet_event(f));
  EXPECT_EQ(back.az, f.az);
  EXPECT_EQ(back.vcpu, 64);
  EXPECT_EQ(back.arch, "arm64");

  FleetEvent leave;
  leave.action = FleetAction::Leave;
  leave.ts = 5;
  leave.fleet = "default";
  leave.node_id = "n";
  leave.instance_id = "i";
  leave.product = "Linux/UNIX";
  auto lb = decode_one<FleetEvent>(InputKind::Fleet, encode_fleet_event(leave));
  EXPECT_EQ(encode_fleet_event(lb), encode_fleet_event(leave));
  EXPECT_EQ(lb.action, FleetAction::Leave);
  EXPECT_EQ(lb.az, "");
}

TEST(JsonEncoder, DecisionFieldsAndRoundTrip) {
  Decision d;
  d.decision_id = "0123456789abcdef";
  d.kind = DecisionKind::Evacuate;
  d.ts = *parse_iso8601("2020-10-26T14:14:14Z");
  d.fleet = "prod";
  d.node_id = "node-7";
  d.instance_id = "i-0b662ef9931388ba0";
  d.region = "us-east-1";
  d.az = "us-east-1b";
  d.instance_type = "p3.2xlarge";
  d.product = "Linux/UNIX";
  d.reason = "interruption notice: terminate at 14:16:14";
  d.signal = "interruption-notice:terminate";
  d.action_time = d.ts + 120000;
  d.target = "us-east-1c/p3.2xlarge/Linux/UNIX";
  d.model = "heuristic-v1";
  d.why = "signal";
  d.current_price_per_hour = 0.918;
  d.target_price_per_hour = 1.0;
  const auto j = json::parse(encode_decision(d));
  EXPECT_EQ(j["decision"], "EVACUATE");
  EXPECT_EQ(j["why"], "signal");
  EXPECT_EQ(j["current_price_per_hour"], 0.918);
  EXPECT_EQ(j["target_price_per_hour"], 1.0);
  EXPECT_NEAR(j["estimated_saving_per_hour"].get<double>(), -0.082, 1e-12);  // the safety move costs more
  EXPECT_EQ(j["ts"], "2020-10-26T14:14:14.000Z");
  EXPECT_EQ(j["ts_ms"], d.ts);
  EXPECT_EQ(j["pool"], "us-east-1b/p3.2xlarge/Linux/UNIX");
  EXPECT_EQ(j["action_time"], "2020-10-26T14:16:14.000Z");
  EXPECT_EQ(j["target"], d.target);
  EXPECT_EQ(j["model"], "heuristic-v1");
  auto back = decode_decision(encode_decision(d));
  ASSERT_TRUE(back);
  EXPECT_EQ(encode_decision(*back), encode_decision(d));

  Decision stay = d;
  stay.kind = DecisionKind::Stay;
  stay.action_time = 0;
  stay.target.clear();
  stay.signal = "none";
  stay.why.clear();
  stay.current_price_per_hour = stay.target_price_per_hour = std::nan("");
  const auto js = json::parse(encode_decision(stay));
  EXPECT_FALSE(js.contains("why"));
  EXPECT_FALSE(js.contains("estimated_saving_per_hour"));
  EXPECT_FALSE(js.contains("action_time"));
  EXPECT_FALSE(js.contains("target"));
  auto sb = decode_decision(encode_decision(stay));
  ASSERT_TRUE(sb);
  EXPECT_EQ(sb->kind, DecisionKind::Stay);
  EXPECT_EQ(sb->action_time, 0);
  EXPECT_EQ(encode_decision(*sb), encode_decision(stay));

  EXPECT_FALSE(decode_decision("{}"));
  EXPECT_FALSE(decode_decision("not json"));
  auto bad = json::parse(encode_decision(d));
  bad["decision"] = "PANIC";
  EXPECT_FALSE(decode_decision(bad.dump()));
}

TEST(JsonEncoder, DeadLetterRecord) {
  DeadLetter d;
  d.reason = dlq::kBadPrice;
  d.detail = "field 'spot_price' is -1";
  d.source = {"spot.prices", 3, 12345};
  d.key = "us-east-1a/p3";
  d.payload = R"({"spot_price":-1})";
  d.ts = 1582236376000;
  const auto j = json::parse(encode_dead_letter(d, 1 << 20));
  EXPECT_EQ(j["reason"], "bad_price");
  EXPECT_EQ(j["source"]["topic"], "spot.prices");
  EXPECT_EQ(j["source"]["partition"], 3);
  EXPECT_EQ(j["source"]["offset"], 12345);
  EXPECT_EQ(j["key"], d.key);
  EXPECT_EQ(j["payload"], d.payload);
  EXPECT_EQ(j["payload_base64"], base64_encode(d.payload));
  EXPECT_EQ(j["payload_bytes"], d.payload.size());
  EXPECT_EQ(j["truncated"], false);
  EXPECT_EQ(j["ts"], "2020-02-20T22:06:16.000Z");
  auto back = decode_dead_letter(encode_dead_letter(d, 1 << 20));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->letter.payload, d.payload);
  EXPECT_EQ(back->letter.key, d.key);
  EXPECT_EQ(back->letter.reason, d.reason);
  EXPECT_EQ(back->letter.detail, d.detail);
  EXPECT_EQ(back->letter.source.offset, 12345);
  EXPECT_EQ(back->letter.ts, d.ts);
  EXPECT_FALSE(back->truncated);
}

TEST(JsonEncoder, DeadLetterBinaryAndTruncated) {
  DeadLetter d;
  d.reason = dlq::kMalformedJson;
  d.detail = "message is not valid UTF-8";
  d.key = std::string("k\xff\x00y", 4);
  d.payload = std::string("{\"a\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xff\"}", 16);
  const auto full = json::parse(encode_dead_letter(d, 1000));
  EXPECT_FALSE(full.contains("payload"));  // not UTF-8: base64 only
  EXPECT_TRUE(full.contains("key_base64"));
  EXPECT_FALSE(full.contains("ts"));
  EXPECT_EQ(full["ts_ms"], 0);
  auto back = decode_dead_letter(full.dump());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->letter.payload, d.payload);
  EXPECT_EQ(back->letter.key, d.key);

  // Cut inside the second "é": base64 keeps 9 bytes, the text stops at the last whole character.
  const auto cut = json::parse(encode_dead_letter(d, 9));
  EXPECT_EQ(cut["truncated"], true);
  EXPECT_EQ(cut["payload_bytes"], 16);
  EXPECT_EQ(cut["payload"], "{\"a\":\"\xc3\xa9");
  auto cb = decode_dead_letter(cut.dump());
  ASSERT_TRUE(cb);
  EXPECT_EQ(cb->letter.payload, d.payload.substr(0, 9));
  EXPECT_TRUE(cb->truncated);
  EXPECT_EQ(cb->payload_bytes, 16u);

  const auto none = json::parse(encode_dead_letter(d, 0));
  EXPECT_EQ(none["payload_base64"], "");
  EXPECT_EQ(none["payload"], "");
}

TEST(JsonEncoder, Base64) {
  const std::pair<const char*, const char*> rfc4648[] = {{"", ""},         {"f", "Zg=="},     {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},  {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (auto [plain, encoded] : rfc4648) {
    EXPECT_EQ(base64_encode(plain), encoded);
    EXPECT_EQ(base64_decode(encoded), plain);
  }
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  EXPECT_EQ(base64_decode(base64_encode(all)), all);
  for (const char* bad : {"Zg=", "Z===", "Zm9v!", "Zg==Zg==", "=Zg="}) EXPECT_FALSE(base64_decode(bad)) << bad;
}

using spotstream::testing::risk_sample;

TEST(JsonEncoder, RiskRecordShapeAndRoundTrip) {
  const auto r = risk_sample();
  const auto j = json::parse(encode_risk_record(r));
  EXPECT_EQ(j["pool"], "us-east-1a/p3.2xlarge/Linux/UNIX");
  EXPECT_EQ(j["ts"], "2024-01-08T14:30:00.123Z");
  EXPECT_EQ(j["ts_ms"], 1704724200123);
  // Every feature under its docs/design.md name (plus the Spot Advisor instance hardware), and nothing else.
  std::set<std::string> names;
  for (const auto& [k, v] : j["features"].items()) names.insert(k);
  EXPECT_EQ(names, (std::set<std::string>{"price", "window_min", "window_max", "price_position", "discount_depth",
                                          "on_demand_price", "on_demand_source", "family_stress_mean",
                                          "family_stress_max", "family_pools", "volatility_24h", "hour_sin",
                                          "hour_cos", "is_weekend", "is_business_hours", "ticks_in_window",
                                          "instance_cores", "instance_ram_gb"}));
  EXPECT_TRUE(j["features"]["instance_cores"].is_null());  // no advisor instance metadata in the sample
  EXPECT_EQ(j["features"]["discount_depth"], 0.7);
  EXPECT_EQ(j["features"]["is_business_hours"], true);
  EXPECT_EQ(j["band"], json::parse(R"({"index":4,"label":">20%","savings_pct":80})"));
  EXPECT_EQ(j["stability"], 0.3);
  EXPECT_EQ(j["crash_probability"], 0.7);
  EXPECT_EQ(j["label"], "avoid");
  EXPECT_EQ(j["model"], "heuristic-v1");
  EXPECT_EQ(j["model_version"], "1");
  EXPECT_EQ(j["model_kind"], "heuristic");
  EXPECT_EQ(j["assumptions"], json::array());

  // Records written before the model fields (issue 4) still decode.
  auto older = j;
  for (const char* k : {"model_version", "model_kind"}) older.erase(k);
  older["features"].erase("instance_cores");
  older["features"].erase("instance_ram_gb");
  const auto old_back = decode_risk_record(older.dump());
  ASSERT_TRUE(old_back);
  EXPECT_EQ(old_back->score.model, "heuristic-v1");
  EXPECT_TRUE(old_back->score.model_version.empty());
  EXPECT_TRUE(std::isnan(old_back->features.instance_cores));

  const auto back = decode_risk_record(j.dump());
  ASSERT_TRUE(back);
  EXPECT_EQ(encode_risk_record(*back), encode_risk_record(r));
  EXPECT_EQ(back->features.price_position, 0.1 / 3);  // exact, not approximately
  EXPECT_EQ(back->features.hour_cos, -0.793353340291235);
  EXPECT_EQ(back->features.family_pools, 3u);
  EXPECT_EQ(back->features.ticks_in_window, 2016u);
  EXPECT_EQ(back->advisor_band_label, ">20%");
  EXPECT_EQ(back->ts, r.ts);
  EXPECT_EQ(back->family, "p3");
}

TEST(JsonEncoder, RiskRecordAbsentOnDemandAndUnknownBandAreNull) {
  auto r = risk_sample();
  r.features.on_demand_price = kAbsent;
  r.features.discount_depth = kAbsent;
  r.features.on_demand_source = kOnDemandAbsent;
  r.features.advisor_band = -1;
  r.advisor_band_label.clear();
  r.features.advisor_savings_pct = 0;
  r.score.assumptions = kAssumeBandUnknown | kAssumeOnDemandAbsent;
  const auto j = json::parse(encode_risk_record(r));
  EXPECT_TRUE(j["features"]["discount_depth"].is_null());
  EXPECT_TRUE(j["features"]["on_demand_price"].is_null());
  EXPECT_EQ(j["features"]["on_demand_source"], "absent");
  EXPECT_TRUE(j["band"].is_null());
  EXPECT_EQ(j["assumptions"], json::parse(R"(["band_unknown","on_demand_absent"])"));
  const auto back = decode_risk_record(j.dump());
  ASSERT_TRUE(back);
  EXPECT_TRUE(std::isnan(back->features.discount_depth));
  EXPECT_TRUE(std::isnan(back->features.on_demand_price));
  EXPECT_EQ(back->features.advisor_band, -1);
  EXPECT_EQ(back->score.assumptions, r.score.assumptions);

  auto missing = j;
  missing["features"].erase("hour_sin");
  EXPECT_FALSE(decode_risk_record(missing.dump()));
  missing = j;
  missing.erase("stability");
  EXPECT_FALSE(decode_risk_record(missing.dump()));
  EXPECT_FALSE(decode_risk_record(R"({"pool":1})"));
  EXPECT_FALSE(decode_risk_record("not json"));
}
