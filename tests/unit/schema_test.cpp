// schemas/: every topic has a schema; the real AWS samples and every encoder's output validate;
// samples with a required field removed (or a bad value) are rejected, and the decoder agrees.
#include <gtest/gtest.h>

#include <filesystem>

#include "src/codec/json_encoder.hpp"
#include "src/core/time.hpp"
#include "tests/unit/codec_test_util.hpp"
#include "tests/unit/schema_validator.hpp"
#include "tests/unit/test_data.hpp"

using namespace spotstream;
namespace td = spotstream::testing;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const fs::path kSchemas = fs::path(SPOTSTREAM_SOURCE_DIR) / "schemas";

const td::MiniSchema& schema(const std::string& topic) {
  static std::map<std::string, td::MiniSchema> cache;
  auto it = cache.find(topic);
  if (it == cache.end()) it = cache.emplace(topic, td::MiniSchema::load(kSchemas / (topic + ".schema.json"))).first;
  return it->second;
}

std::string errors_of(const td::MiniSchema& s, const json& j) {
  std::string out;
  for (const auto& e : s.validate(j)) out += "\n  " + e;
  return out;
}

#define EXPECT_VALID(topic, j) EXPECT_TRUE(schema(topic).valid(j)) << (j).dump() << errors_of(schema(topic), j)
#define EXPECT_INVALID(topic, j) EXPECT_FALSE(schema(topic).valid(j)) << (j).dump()

json sample(const char* name) { return json::parse(td::read_file(td::shared_data_dir() / "aws-events" / name)); }

std::vector<fs::path> history_files() {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(td::shared_data_dir() / "price-history"))
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
  return files;
}

bool decoder_accepts(InputKind kind, const json& j, std::string_view key = {}) {
  return td::decode_with(DecodeLimits{.max_message_bytes = 64 << 20}, kind, j.dump(), key).ok;
}

using td::risk_sample;

RiskRecord without_on_demand_or_band(RiskRecord r) {
  r.features.on_demand_price = r.features.discount_depth = kAbsent;
  r.features.on_demand_source = kOnDemandAbsent;
  r.features.advisor_band = -1;
  r.score.assumptions = kAssumeBandUnknown | kAssumeOnDemandAbsent;
  return r;
}

const std::vector<std::string> kTopics = {"spot.prices", "spot.signals", "spot.fleet",
                                          "spot.decisions", "spot.dlq", "spot.risk", "spot.risk.mark"};

}  // namespace

TEST(Schema, EveryTopicHasASchemaAndTheReadmeNamesIt) {
  const auto readme = td::read_file(kSchemas / "README.md");
  for (const auto& t : kTopics) {
    const auto file = t + ".schema.json";
    ASSERT_TRUE(fs::exists(kSchemas / file)) << file;
    EXPECT_NO_THROW(schema(t)) << file;  // parses, and uses only keywords the checker implements
    EXPECT_NE(readme.find(file), std::string::npos) << file;
    const auto j = json::parse(td::read_file(kSchemas / file));
    EXPECT_EQ(j["$schema"], "https://json-schema.org/draft/2020-12/schema") << file;
  }
  EXPECT_EQ(json::parse(td::read_file(kSchemas / "spot.risk.schema.json"))["description"].get<std::string>().find("PROVISIONAL"),
            std::string::npos);
}

TEST(Schema, RealAwsSamplesValidate) {
  for (const char* f : {"eventbridge-spot-itn.nth.json", "eventbridge-rebalance.nth.json",
                        "eventbridge-spot-itn.karpenter-design.json", "imds-spot-instance-action.karpenter-design.json",
                        "imds-rebalance.karpenter-design.json"})
    EXPECT_VALID("spot.signals", sample(f));
  const auto cli = sample("describe-spot-price-history.awscli-example.json");
  EXPECT_VALID("spot.prices", cli);
  for (const auto& item : cli["SpotPriceHistory"]) EXPECT_VALID("spot.prices", item);
  std::size_t items = 0;
  for (const auto& path : history_files()) {
    const auto doc = json::parse(td::read_file(path));
    EXPECT_TRUE(schema("spot.prices").valid(doc)) << path;
    for (const auto& item : doc["SpotPriceHistory"]) {
      EXPECT_TRUE(schema("spot.prices").valid(item)) << path << " " << item.dump();
      ++items;
    }
  }
  EXPECT_EQ(items, 10822u);
}

TEST(Schema, EncoderOutputsValidate) {
  PriceTick t;
  t.ts = *parse_iso8601("2020-02-20T22:06:16Z");
  t.region = "us-east-1";
  t.az = "us-east-1-wl1-bos-wlz-1";
  t.instance_type = "g4dn.2xlarge";
  t.product = "Linux/UNIX";
  t.spot_price = 0.3;
  EXPECT_VALID("spot.prices", json::parse(encode_price_tick(t)));
  t.on_demand_price = 0.752;
  t.az = "use1-az6";
  EXPECT_VALID("spot.prices", json::parse(encode_price_tick(t)));
  EXPECT_VALID("spot.prices", json::parse(encode_aws_price_item(t)));

  Signal s;
  s.kind = SignalKind::Interruption;
  s.action = InstanceAction::Terminate;
  s.instance_id = "i-1";
  s.az = "eu-west-3a";
  s.event_id = "e";
  s.ts = 1700000000000;
  s.action_time = s.ts + 120000;
  EXPECT_VALID("spot.signals", json::parse(encode_eventbridge_signal(s)));
  EXPECT_VALID("spot.signals", json::parse(encode_signal(s)));
  s.kind = SignalKind::Rebalance;
  s.action = InstanceAction::None;
  s.action_time = 0;
  EXPECT_VALID("spot.signals", json::parse(encode_eventbridge_signal(s)));
  EXPECT_VALID("spot.signals", json::parse(encode_signal(s)));

  FleetEvent f;
  f.ts = 1;
  f.node_id = "n";
  f.instance_id = "i";
  f.az = "us-east-2b";
  f.instance_type = "m7i.large";
  f.vcpu = 2;
  EXPECT_VALID("spot.fleet", json::parse(encode_fleet_event(f)));
  f.action = FleetAction::Leave;
  f.az.clear();
  f.instance_type.clear();
  EXPECT_VALID("spot.fleet", json::parse(encode_fleet_event(f)));

  Decision d;
  d.decision_id = "abc";
  d.kind = DecisionKind::Switch;
  d.ts = 1700000000000;
  d.target = "us-east-2c/m7i.large/Linux/UNIX";
  d.signal = "none";
  d.model = "heuristic-v1";
  EXPECT_VALID("spot.decisions", json::parse(encode_decision(d)));
  d.action_time = d.ts + 1;
  EXPECT_VALID("spot.decisions", json::parse(encode_decision(d)));
  // A consolidation plan's SWITCH: its fields validate and read back.
  d.action_time = 0;
  d.why = "saving";
  d.plan = "plan-0123456789abcdef";
  d.plan_nodes = 3;
  d.plan_price_per_hour = 0.085;
  d.current_price_per_hour = 0.034;
  d.target_price_per_hour = 0.085 / 3;
  const auto planned = json::parse(encode_decision(d));
  EXPECT_VALID("spot.decisions", planned);
  EXPECT_EQ(planned["plan_nodes"], 3);
  const auto read = decode_decision(planned.dump());
  ASSERT_TRUE(read);
  EXPECT_EQ(read->plan, d.plan);
  EXPECT_EQ(read->plan_nodes, 3);
  EXPECT_DOUBLE_EQ(read->plan_price_per_hour, 0.085);
  auto one_node = planned;
  one_node["plan_nodes"] = 1;  // a plan is several nodes on one instance
  EXPECT_INVALID("spot.decisions", one_node);

  DeadLetter l;
  l.reason = dlq::kUnknownAz;
  l.detail = "field 'az' ...";
  l.source = {"spot.prices", 0, 7};
  l.key = std::string("\xff", 1);
  l.payload = "{\"az\":\"mars\"}";
  l.ts = 5;
  EXPECT_VALID("spot.dlq", json::parse(encode_dead_letter(l, 4)));
  EXPECT_VALID("spot.dlq", json::parse(encode_dead_letter(l, 1000)));
  for (const auto& reason : td::all_dlq_reasons()) {
    l.reason = reason;
    EXPECT_VALID("spot.dlq", json::parse(encode_dead_letter(l, 1000)));
  }

  const auto risk = risk_sample();
  EXPECT_VALID("spot.risk", json::parse(encode_risk_record(risk)));
  EXPECT_VALID("spot.risk", json::parse(encode_risk_record(without_on_demand_or_band(risk))));
  // The interruption pressure: three counts per array, read back as written; a short array is
  // refused by the schema and the decoder alike.
  auto pressured = risk;
  pressured.features.pressure.pool_notices[1] = 2;
  pressured.features.pressure.family_rebalances[2] = 5;
  for (std::size_t w = 0; w < kPressureWindows; ++w) pressured.pressure_windows_ms[w] = 600000 * (w + 1);
  auto pressured_json = json::parse(encode_risk_record(pressured));
  EXPECT_VALID("spot.risk", pressured_json);
  const auto pressured_back = decode_risk_record(pressured_json.dump());
  ASSERT_TRUE(pressured_back);
  EXPECT_EQ(pressured_back->features.pressure, pressured.features.pressure);
  EXPECT_EQ(pressured_back->pressure_windows_ms[2], 1800000);
  pressured_json["pressure"]["pool_notices"] = json::array({1, 2});
  EXPECT_INVALID("spot.risk", pressured_json);
  EXPECT_FALSE(decode_risk_record(pressured_json.dump()));
  // The provisional shape (a bare "score") is no longer a risk record.
  EXPECT_INVALID("spot.risk", json::parse(R"({"pool":"us-east-1a/p3.2xlarge/Linux/UNIX","ts":"2020-02-20T22:06:16.000Z",
                                             "features":{"price_position":0.5},"score":0.7,"model":"heuristic-v1"})"));

  // Progress marks share spot.risk: each shape is told apart by both the schemas and the decoders.
  const RiskProgressMark mark{"spot.prices", 3, 1735689599999};
  const auto mark_json = json::parse(encode_risk_mark(mark));
  EXPECT_VALID("spot.risk.mark", mark_json);
  EXPECT_INVALID("spot.risk", mark_json);
  EXPECT_INVALID("spot.risk.mark", json::parse(encode_risk_record(risk)));
  const auto back = decode_risk_mark(encode_risk_mark(mark));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->topic, mark.topic);
  EXPECT_EQ(back->partition, mark.partition);
  EXPECT_EQ(back->complete_through, mark.complete_through);
  EXPECT_FALSE(decode_risk_mark(encode_risk_record(risk)));
  EXPECT_FALSE(decode_risk_record(encode_risk_mark(mark)));
  EXPECT_FALSE(decode_risk_mark(R"({"type":"progress","topic":"spot.prices","partition":-1,"complete_through_ms":1})"));
  EXPECT_TRUE(is_risk_mark_key(risk_mark_key("spot.prices", 3)));
  EXPECT_EQ(risk_mark_key("spot.prices", 3), "!progress/spot.prices/3");
  EXPECT_FALSE(is_risk_mark_key(risk.pool));
}

// Each case breaks a valid message; the schema must reject it, and so must the decoder (input
// topics) unless the case is a documented leniency.
TEST(Schema, RejectsBrokenSamplesAndTheDecoderAgrees) {
  struct Case {
    const char* what;
    json doc;
    bool decoder_lenient = false;
  };
  auto without = [](json j, const json::json_pointer& p) {
    j[p.parent_pointer()].erase(p.back());
    return j;
  };
  auto with = [](json j, const json::json_pointer& p, json v) {
    j[p] = std::move(v);
    return j;
  };
  using P = json::json_pointer;
  const auto itn = sample("eventbridge-spot-itn.nth.json");
  const auto reb = sample("eventbridge-rebalance.nth.json");
  const auto imds = sample("imds-spot-instance-action.karpenter-design.json");
  const auto imdsr = sample("imds-rebalance.karpenter-design.json");
  const std::vector<Case> signals = {
      {"itn without time", without(itn, P("/time"))},
      {"itn without id", without(itn, P("/id"))},
      {"itn without detail", without(itn, P("/detail"))},
      {"itn without detail-type", without(itn, P("/detail-type"))},
      {"itn with unknown detail-type", with(itn, P("/detail-type"), "EC2 Instance State-change Notification")},
      {"itn from another source", with(itn, P("/source"), "aws.s3")},
      {"itn with action reboot", with(itn, P("/detail/instance-action"), "reboot")},
      {"itn with bad time", with(itn, P("/time"), "yesterday")},
      {"itn without instance-action", without(itn, P("/detail/instance-action")), true},
      {"rebalance without time", without(reb, P("/time"))},
      {"rebalance with detail a string", with(reb, P("/detail"), "i-1")},
      {"imds without time", without(imds, P("/time"))},
      {"imds with action explode", with(imds, P("/action"), "explode")},
      {"imds rebalance without noticeTime", without(imdsr, P("/noticeTime"))},
      {"canonical without kind", json::parse(R"({"ts":1,"instance_id":"i"})")},
      {"canonical without instance_id", json::parse(R"({"ts":1,"kind":"rebalance"})")},
      {"canonical with kind panic", json::parse(R"({"ts":1,"kind":"panic","instance_id":"i"})")},
  };
  for (const auto& c : signals) {
    EXPECT_INVALID("spot.signals", c.doc) << c.what;
    EXPECT_EQ(decoder_accepts(InputKind::Signals, c.doc, "i-1"), c.decoder_lenient) << c.what;
  }

  const auto cli = sample("describe-spot-price-history.awscli-example.json");
  const auto item = cli["SpotPriceHistory"][0];
  const json tick = json::parse(R"({"ts":"2020-02-20T22:06:16.000Z","az":"us-east-1a","instance_type":"p3.2xlarge",
                                    "product":"Linux/UNIX","spot_price":0.918,"on_demand_price":3.06})");
  const std::vector<Case> prices = {
      {"item without SpotPrice", without(item, P("/SpotPrice"))},
      {"item without Timestamp", without(item, P("/Timestamp"))},
      {"item without AvailabilityZone", without(item, P("/AvailabilityZone"))},
      {"item with AZ mars", with(item, P("/AvailabilityZone"), "mars")},
      {"item with negative price", with(item, P("/SpotPrice"), -1)},
      {"item with price text", with(item, P("/SpotPrice"), "cheap")},
      {"item with type P3", with(item, P("/InstanceType"), "P3")},
      {"response with an item missing SpotPrice", without(cli, P("/SpotPriceHistory/1/SpotPrice"))},
      {"response with SpotPriceHistory an object", with(cli, P("/SpotPriceHistory"), json::object())},
      {"tick without spot_price", without(tick, P("/spot_price"))},
      {"tick without ts", without(tick, P("/ts"))},
      {"tick without az", without(tick, P("/az"))},
      {"tick with zero price", with(tick, P("/spot_price"), 0)},
      {"tick with price above the limit", with(tick, P("/spot_price"), 5000)},
      {"tick with on-demand true", with(tick, P("/on_demand_price"), true)},
      {"tick mixing AWS fields", with(tick, P("/SpotPrice"), "1.0")},
      {"tick with bad ts", with(tick, P("/ts"), "2020-02-20")},
      {"tick with ts in microseconds", with(tick, P("/ts"), 1582236376000000)},
  };
  for (const auto& c : prices) {
    EXPECT_INVALID("spot.prices", c.doc) << c.what;
    EXPECT_EQ(decoder_accepts(InputKind::Prices, c.doc), c.decoder_lenient) << c.what;
  }

  const json join = json::parse(R"({"ts":1,"action":"join","node_id":"n","instance_id":"i","az":"us-east-1a","instance_type":"m5.large"})");
  ASSERT_TRUE(schema("spot.fleet").valid(join));
  ASSERT_TRUE(decoder_accepts(InputKind::Fleet, join));
  const std::vector<Case> fleet = {
      {"join without az", without(join, P("/az"))},
      {"join without instance_type", without(join, P("/instance_type"))},
      {"join without node_id", without(join, P("/node_id"))},
      {"leave without instance_id", without(with(join, P("/action"), "leave"), P("/instance_id"))},
      {"action dance", with(join, P("/action"), "dance")},
      {"negative vcpu", with(join, P("/vcpu"), -2)},
  };
  for (const auto& c : fleet) {
    EXPECT_INVALID("spot.fleet", c.doc) << c.what;
    EXPECT_EQ(decoder_accepts(InputKind::Fleet, c.doc), c.decoder_lenient) << c.what;
  }

  Decision d;
  d.decision_id = "x";
  d.model = "m";
  const auto decision = json::parse(encode_decision(d));
  EXPECT_INVALID("spot.decisions", without(decision, P("/model")));
  EXPECT_INVALID("spot.decisions", without(decision, P("/decision_id")));
  EXPECT_INVALID("spot.decisions", with(decision, P("/decision"), "PANIC"));
  EXPECT_INVALID("spot.decisions", with(decision, P("/ts"), "2020-02-20"));
  EXPECT_FALSE(decode_decision(without(decision, P("/model")).dump()));

  DeadLetter l;
  l.reason = dlq::kLate;
  l.detail = "late";
  const auto letter = json::parse(encode_dead_letter(l, 10));
  EXPECT_VALID("spot.dlq", letter);
  EXPECT_INVALID("spot.dlq", without(letter, P("/reason")));
  EXPECT_INVALID("spot.dlq", without(letter, P("/source/offset")));
  EXPECT_INVALID("spot.dlq", with(letter, P("/reason"), "other"));
  EXPECT_INVALID("spot.dlq", with(letter, P("/truncated"), "no"));
  EXPECT_INVALID("spot.dlq", with(letter, P("/payload_base64"), "Zg="));
  EXPECT_FALSE(decode_dead_letter(without(letter, P("/reason")).dump()));

  const auto risk = json::parse(encode_risk_record(risk_sample()));
  EXPECT_VALID("spot.risk", risk);
  EXPECT_INVALID("spot.risk", without(risk, P("/stability")));
  EXPECT_INVALID("spot.risk", without(risk, P("/band")));  // unknown is null, never left out
  EXPECT_INVALID("spot.risk", without(risk, P("/features/price_position")));
  EXPECT_INVALID("spot.risk", without(risk, P("/features/on_demand_source")));
  EXPECT_INVALID("spot.risk", with(risk, P("/stability"), 1.5));
  EXPECT_INVALID("spot.risk", with(risk, P("/crash_probability"), -0.1));
  EXPECT_INVALID("spot.risk", with(risk, P("/pool"), "nopool"));
  EXPECT_INVALID("spot.risk", with(risk, P("/label"), "fine"));
  EXPECT_INVALID("spot.risk", with(risk, P("/features/on_demand_source"), "guess"));
  EXPECT_INVALID("spot.risk", with(risk, P("/features/price_position"), nullptr));  // only on-demand may be null
  EXPECT_INVALID("spot.risk", with(risk, P("/features/is_weekend"), 0));
  EXPECT_INVALID("spot.risk", with(risk, P("/band/index"), 7));
  EXPECT_INVALID("spot.risk", with(risk, P("/assumptions"), json::array({"guessed"})));
  for (const char* field : {"/stability", "/band", "/features/price_position", "/features/on_demand_source"})
    EXPECT_FALSE(decode_risk_record(without(risk, P(field)).dump())) << field;
}

TEST(Schema, CheckerRefusesKeywordsItDoesNotImplement) {
  EXPECT_THROW(td::MiniSchema(json::parse(R"({"type":"object","if":{"required":["a"]}})")), std::runtime_error);
  EXPECT_THROW(td::MiniSchema(json::parse(R"({"properties":{"a":{"format":"date-time"}}})")), std::runtime_error);
}
