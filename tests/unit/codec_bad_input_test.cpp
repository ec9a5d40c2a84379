// One test per DLQ reason, several cases each; every case also checks that the detail names the
// field (or the problem) and that a failed decode appends nothing.
#include <gtest/gtest.h>

#include "tests/unit/codec_test_util.hpp"

using namespace spotstream;
namespace td = spotstream::testing;
using spotstream::testing::decode;

namespace {

struct Case {
  InputKind kind;
  std::string value;
  std::string mention;  // a word the detail must contain
  std::string key = {};
};

void expect_rejected(const char* reason, const std::vector<Case>& cases, DecodeLimits limits = {}) {
  EventDecoder decoder(limits);
  for (const auto& c : cases) {
    std::vector<Event> out(2);
    DecodeError err;
    bool ok = true;
    EXPECT_NO_THROW(ok = decoder.decode(c.kind, c.key, c.value, out, err)) << c.value;
    EXPECT_FALSE(ok) << c.value;
    EXPECT_EQ(err.reason, reason) << c.value << "\n  detail: " << err.detail;
    EXPECT_NE(err.detail.find(c.mention), std::string::npos) << c.value << "\n  detail: " << err.detail;
    EXPECT_EQ(out.size(), 2u) << c.value;
  }
}

const auto P = InputKind::Prices;
const auto S = InputKind::Signals;
const auto F = InputKind::Fleet;

// A canonical tick with one field replaced (or removed when `value` is empty).
std::string tick(const std::string& field, const std::string& value) {
  const std::pair<std::string, std::string> fields[] = {
      {"ts", R"("2020-02-20T22:06:16.000Z")"}, {"az", R"("us-east-1a")"},   {"instance_type", R"("p3.2xlarge")"},
      {"product", R"("Linux/UNIX")"},          {"spot_price", "0.918"},     {"on_demand_price", "3.06"}};
  std::string s = "{";
  for (const auto& [k, v] : fields) {
    const std::string& use = k == field ? value : v;
    if (k == field && value.empty()) continue;
    if (s.size() > 1) s += ',';
    s += '"' + k + "\":" + use;
  }
  if (field == "region") s += ",\"region\":" + value;
  return s + "}";
}

std::string itn(const std::string& fields) {
  return R"({"version":"0","detail-type":"EC2 Spot Instance Interruption Warning","source":"aws.ec2",)" + fields + "}";
}

const std::string kItnDetail = R"("detail":{"instance-id":"i-1","instance-action":"terminate"})";
const std::string kFleetBase = R"("ts":1,"node_id":"n","instance_id":"i","az":"us-east-1a","instance_type":"m5.large")";

}  // namespace

TEST(CodecBadInput, MalformedJson) {
  expect_rejected(dlq::kMalformedJson,
                  {{P, "", "empty"},
                   {P, "   \n", "JSON"},
                   {P, "{", "JSON"},
                   {P, R"({"ts":})", "JSON"},
                   {P, tick("", "") + " garbage", "JSON"},
                   {P, tick("", "") + tick("", ""), "trailing"},
                   {P, tick("ts", R"("bad")") + "{}", "trailing"},  // malformed outranks bad values
                   {S, R"({"kind":"panic"} [])", "JSON"},
                   {F, R"({"action":"dance"}})", "trailing"},
                   {P, R"({"SpotPriceHistory":{}} 1)", "JSON"},
                   {P, "[1,2]", "must be an object"},
                   {S, R"("just a string")", "must be an object"},
                   {F, "42", "must be an object"},
                   {P, "null", "must be an object"},
                   {P, "{\"az\":\"us-east-1a\xff\"}", "UTF-8"},
                   {P, R"({"x": tru, "ts": 1})", "JSON"},
                   {P, R"({"a":1,})", "JSON"},
                   {P, R"({"spot_price": NaN})", "JSON"},
                   {P, R"({'ts': 1})", "JSON"},
                   {S, R"({"detail":{"instance-id":"i-1",}})", "JSON"},
                   {P, R"({"SpotPriceHistory":[{"SpotPrice":"1"},]})", "JSON"}});
}

TEST(CodecBadInput, MissingField) {
  expect_rejected(dlq::kMissingField,
                  {{P, tick("ts", ""), "'ts'"},
                   {P, tick("az", ""), "'az'"},
                   {P, tick("instance_type", ""), "'instance_type'"},
                   {P, tick("spot_price", ""), "'spot_price'"},
                   {P, tick("product", ""), "'product'"},
                   {P, R"({"AvailabilityZone":"us-east-1a","InstanceType":"m5.large","ProductDescription":"Linux/UNIX","Timestamp":"2020-01-01T00:00:00Z"})", "'SpotPrice'"},
                   {S, itn(R"("time":"2020-01-01T00:00:00Z",)" + kItnDetail), "'id'"},
                   {S, itn(R"("id":"x","time":"2020-01-01T00:00:00Z")"), "'detail'"},
                   {S, itn(R"("id":"x",)" + kItnDetail), "'time'"},
                   {S, itn(R"("id":"x","time":"2020-01-01T00:00:00Z","detail":{})"), "instance-id"},
                   {S, R"({"ts":1,"kind":"rebalance"})", "'instance_id'"},
                   {S, R"({"action":"terminate"})", "'time'", "i-1"},
                   {F, R"({"ts":1,"action":"join","instance_id":"i","az":"us-east-1a","instance_type":"m5.large"})", "'node_id'"},
                   {F, R"({"ts":1,"action":"leave","node_id":"n"})", "'instance_id'"},
                   {F, R"({"action":"leave","node_id":"n","instance_id":"i"})", "'ts'"}});
}

TEST(CodecBadInput, WrongType) {
  expect_rejected(dlq::kWrongType,
                  {{P, tick("spot_price", "true"), "'spot_price'"},
                   {P, tick("spot_price", "{}"), "'spot_price'"},
                   {P, tick("spot_price", "[1]"), "'spot_price'"},
                   {P, tick("spot_price", "null"), "'spot_price'"},
                   {P, tick("az", "1"), "'az'"},
                   {P, tick("ts", "true"), "'ts'"},
                   {P, tick("product", "[]"), "'product'"},
                   {P, tick("region", "5"), "'region'"},
                   {P, R"({"SpotPriceHistory":{}})", "SpotPriceHistory"},
                   {P, R"({"SpotPriceHistory":[1]})", "SpotPriceHistory[0]"},
                   {S, itn(R"("id":"x","time":"2020-01-01T00:00:00Z","detail":"terminate")"), "'detail'"},
                   {S, itn(R"("id":"x","time":"2020-01-01T00:00:00Z","resources":"arn",)" + kItnDetail), "'resources'"},
                   {S, itn(R"("id":7,"time":"2020-01-01T00:00:00Z",)" + kItnDetail), "'id'"},
                   {S, R"({"ts":1,"kind":"interruption","instance_id":42})", "'instance_id'"},
                   {F, "{" + kFleetBase + R"(,"action":"join","vcpu":"4"})", "'vcpu'"},
                   {F, "{" + kFleetBase + R"(,"action":true})", "'action'"}});
}

TEST(CodecBadInput, BadPrice) {
  expect_rejected(dlq::kBadPrice,
                  {{P, tick("spot_price", "-1"), "'spot_price'"},
                   {P, tick("spot_price", "0"), "'spot_price'"},
                   {P, tick("spot_price", "-0.0"), "'spot_price'"},
                   {P, tick("spot_price", R"("abc")"), "'spot_price'"},
                   {P, tick("spot_price", R"("")"), "'spot_price'"},
                   {P, tick("spot_price", R"("NaN")"), "'spot_price'"},
                   {P, tick("spot_price", R"("inf")"), "'spot_price'"},
                   {P, tick("spot_price", R"(" 1.0")"), "'spot_price'"},
                   {P, tick("spot_price", R"("1.0x")"), "'spot_price'"},
                   {P, tick("spot_price", "1000.5"), "'spot_price'"},
                   {P, tick("spot_price", "1e9"), "'spot_price'"},
                   {P, tick("spot_price", R"("1e400")"), "'spot_price'"},
                   {P, tick("on_demand_price", "-3"), "'on_demand_price'"},
                   {P, tick("on_demand_price", "0"), "'on_demand_price'"},
                   {P, tick("on_demand_price", R"("n/a")"), "'on_demand_price'"},
                   {P, R"({"AvailabilityZone":"us-east-1a","InstanceType":"m5.large","ProductDescription":"Linux/UNIX","SpotPrice":"0.000000","Timestamp":"2020-01-01T00:00:00Z"})", "'SpotPrice'"}});
}

TEST(CodecBadInput, BadTimestamp) {
  expect_rejected(dlq::kBadTimestamp,
                  {{P, tick("ts", R"("yesterday")"), "'ts'"},
                   {P, tick("ts", R"("2020-13-01T00:00:00Z")"), "'ts'"},
                   {P, tick("ts", R"("2021-02-29T00:00:00Z")"), "'ts'"},
                   {P, tick("ts", R"("")"), "'ts'"},
                   {P, tick("ts", "-5"), "'ts'"},
                   {P, tick("ts", "1.5"), "'ts'"},
                   {P, tick("ts", "1e20"), "'ts'"},
                   {P, tick("ts", "1582236376000000"), "'ts'"},  // microseconds
                   {P, tick("ts", R"("9999-01-01T00:00:00Z")"), "'ts'"},
                   {S, itn(R"("id":"x","time":"soon",)" + kItnDetail), "'time'"},
                   {S, R"({"action":"terminate","time":"1970-01-01T00:01:00Z"})", "'time'", "i-1"},
                   {S, R"({"noticeTime":"2022-07-16 19:18"})", "'noticeTime'", "i-1"},
                   {S, R"({"ts":1,"kind":"interruption","instance_id":"i","action_time":"later"})", "'action_time'"},
                   {F, "{" + kFleetBase.substr(7) + R"(,"ts":"x","action":"join"})", "'ts'"}});
}

TEST(CodecBadInput, UnknownAz) {
  expect_rejected(dlq::kUnknownAz,
                  {{P, tick("az", R"("us-east-1")"), "'az'"},
                   {P, tick("az", R"("mars-north-1a")"), "'az'"},
                   {P, tick("az", R"("")"), "'az'"},
                   {P, tick("az", R"("use9-az1")"), "'az'"},
                   {P, R"({"AvailabilityZone":"nowhere","InstanceType":"m5.large","ProductDescription":"Linux/UNIX","SpotPrice":"1","Timestamp":"2020-01-01T00:00:00Z"})", "'AvailabilityZone'"},
                   {S, itn(R"("id":"x","time":"2020-01-01T00:00:00Z","resources":["arn:aws:ec2:atlantis:instance/i-1"],)" + kItnDetail), "ARN"},
                   {S, R"({"ts":1,"kind":"rebalance","instance_id":"i","az":"us-east-1zz"})", "'az'"},
                   {F, R"({"ts":1,"action":"join","node_id":"n","instance_id":"i","az":"east","instance_type":"m5.large"})", "'az'"}});
}

TEST(CodecBadInput, BadValue) {
  expect_rejected(dlq::kBadValue,
                  {{P, tick("region", R"("us-west-2")"), "'region'"},
                   {P, tick("region", R"("nowhere")"), "'region'"},
                   {P, tick("instance_type", R"("P3 2XL")"), "'instance_type'"},
                   {P, tick("instance_type", R"("p3")"), "'instance_type'"},
                   {P, tick("instance_type", R"("")"), "'instance_type'"},
                   {P, tick("product", R"("")"), "'product'"},
                   {S, R"({"action":"explode","time":"2022-07-11T17:11:44Z"})", "'action'", "i-1"},
                   {S, itn(R"("id":"x","time":"2020-01-01T00:00:00Z","detail":{"instance-id":"i-1","instance-action":"reboot"})"), "instance-action"},
                   {S, itn(R"("id":"x","time":"2020-01-01T00:00:00Z","region":"us-west-2","resources":["arn:aws:ec2:us-east-1a:instance/i-1"],)" + kItnDetail), "'region'"},
                   {S, itn(R"("id":"x","time":"2020-01-01T00:00:00Z","resources":["arn:aws:ec2:us-east-1a:instance/i-2"],)" + kItnDetail), "instance-id"},
                   {S, R"({"ts":1,"kind":"panic","instance_id":"i"})", "'kind'"},
                   {S, R"({"ts":1,"kind":"rebalance","instance_id":"i","action":"terminate"})", "'action'"},
                   {S, R"({"ts":1,"kind":"rebalance","instance_id":""})", "'instance_id'"},
                   {F, "{" + kFleetBase + R"(,"action":"dance"})", "'action'"},
                   {F, "{" + kFleetBase + R"(,"action":"join","vcpu":-1})", "'vcpu'"},
                   {F, "{" + kFleetBase + R"(,"action":"join","fleet":""})", "'fleet'"},
                   {F, "{" + kFleetBase + R"(,"action":"join","region":"eu-west-1"})", "'region'"}});
}

TEST(CodecBadInput, UnknownFormat) {
  expect_rejected(dlq::kUnknownFormat,
                  {{P, "{}", "price shape"},
                   {P, R"({"foo":1,"bar":[1,2]})", "price shape"},
                   {P, R"({"ts":1,"az":"us-east-1a","SpotPrice":"1"})", "mixes"},
                   {P, R"({"SpotPriceHistory":[{"ts":1,"az":"us-east-1a","instance_type":"m5.large","product":"x","spot_price":1}]})", "SpotPriceHistory[0]"},
                   {P, R"({"SpotPriceHistory":[{}]})", "SpotPriceHistory[0]"},
                   {P, R"({"SpotPriceHistory":[],"spot_price":1})", "SpotPriceHistory"},
                   {S, itn(R"("id":"x","detail-type":"EC2 Instance State-change Notification","time":"2020-01-01T00:00:00Z",)" + kItnDetail), "detail-type"},
                   {S, R"({"detail-type":"EC2 Spot Instance Interruption Warning","source":"aws.ecs","id":"x","time":"2020-01-01T00:00:00Z","detail":{"instance-id":"i"}})", "source"},
                   {S, "{}", "signal shape"},
                   {S, R"({"hello":"world"})", "signal shape"},
                   {F, "{}", "fleet event shape"},
                   {F, R"({"x":1})", "fleet event shape"}});
}

TEST(CodecBadInput, MissingInstanceId) {
  expect_rejected(dlq::kMissingInstanceId,
                  {{S, R"({"action":"terminate","time":"2022-07-11T17:11:44Z"})", "key"},
                   {S, R"({"action":"stop","time":"2022-07-11T17:11:44Z"})", "key"},
                   {S, R"({"noticeTime":"2022-07-16T19:18:24Z"})", "key"}});
}

TEST(CodecBadInput, OversizeIsCheckedBeforeParsing) {
  DecodeLimits small;
  small.max_message_bytes = 256;
  const std::string padded = tick("", "").substr(0, tick("", "").size() - 1) + R"(,"pad":")" + std::string(300, 'x') + "\"}";
  expect_rejected(dlq::kOversize,
                  {{P, padded, "256"},
                   {P, std::string(257, '{'), "bytes"},  // garbage, yet oversize wins: no parse happens
                   {S, std::string(1000, ' '), "1000"},
                   {F, std::string(100000, 'x'), "100000"}},
                  small);
  EventDecoder decoder(small);
  std::vector<Event> out;
  DecodeError err;
  EXPECT_TRUE(decoder.decode(InputKind::Prices, {}, tick("", ""), out, err)) << err.detail;  // 256 is fine
}

TEST(CodecBadInput, MaxPriceIsConfigurable) {
  DecodeLimits low;
  low.max_price = 2.0;
  EXPECT_TRUE(spotstream::testing::decode_with(low, P, tick("on_demand_price", "")).ok);  // spot 0.918
  auto d = spotstream::testing::decode_with(low, P, tick("", ""));                        // on-demand 3.06
  EXPECT_FALSE(d.ok);
  EXPECT_EQ(d.error.reason, dlq::kBadPrice);
  EXPECT_NE(d.error.detail.find("on_demand_price"), std::string::npos) << d.error.detail;
}
