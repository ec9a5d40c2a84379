#include "src/codec/json_encoder.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "src/codec/az_region.hpp"
#include "src/codec/json_detail.hpp"
#include "src/codec/json_writer.hpp"
#include "src/core/hash.hpp"
#include "src/core/time.hpp"

namespace spotstream {

using codec_json::dump;
using codec_json::integer_at;
using codec_json::Json;

namespace {


// "2020-10-26T14:14:14Z" when the time has no milliseconds, as AWS writes event times.
std::string aws_time(TimestampMs ms) {
  std::string s = format_iso8601(ms);
  if (ms % 1000 == 0 && s.size() > 5 && s.compare(s.size() - 5, 5, ".000Z") == 0) s.replace(s.size() - 5, 5, "Z");
  return s;
}

// AWS prints spot prices with six decimals; a price that six decimals cannot hold exactly is
// written in full so it decodes back to the same double.
std::string price_string(double p) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6f", p);
  if (std::strtod(buf, nullptr) == p) return buf;
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, p);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(p);
}

std::string region_for(std::string_view region, std::string_view az) {
  if (!region.empty()) return std::string(region);
  if (auto r = region_of_az(az)) return std::string(*r);
  return {};
}

std::string arn_partition(std::string_view region) {
  if (region.substr(0, 3) == "cn-") return "aws-cn";
  if (region.substr(0, 7) == "us-gov-") return "aws-us-gov";
  return "aws";
}

// A UUID-shaped id from the signal's identity, for signals that came without an EventBridge id.
std::string synthetic_event_id(const Signal& s) {
  const std::string ts = std::to_string(s.ts);
  const auto a = fnv1a64_fields({"eventbridge", s.instance_id, to_string(s.kind), ts});
  const auto b = fnv1a64_fields({"eventbridge-2", s.instance_id, to_string(s.kind), ts});
  const std::string h = to_hex16(a) + to_hex16(b);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20, 12);
}

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n;
    std::uint32_t cp;
    if (c < 0x80) { ++i; continue; }
    if ((c & 0xE0) == 0xC0) { n = 1; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { n = 2; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { n = 3; cp = c & 0x07; }
    else return false;
    if (i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n + 1;
  }
  return true;
}

// Length of `s` cut back so it does not end inside a UTF-8 sequence.
std::size_t utf8_boundary(std::string_view s) {
  std::size_t end = s.size();
  std::size_t back = 0;
  while (back < 3 && end > 0 && (static_cast<unsigned char>(s[end - 1]) & 0xC0) == 0x80) --end, ++back;
  if (end == 0) return s.size();
  const auto lead = static_cast<unsigned char>(s[end - 1]);
  const std::size_t need = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
  return need > back ? end - 1 : s.size();
}

}  // namespace

std::string encode_price_tick(const PriceTick& t) {
  // A feed writes one per pool every few minutes (a week of 10,000 pools is 20 M): the writer
  // rather than a document tree, with the same bytes (tests/unit/json_writer_test.cpp).
  JsonWriter w(192);
  w.begin_object().key("ts").string(format_iso8601(t.ts));
  if (!t.region.empty()) w.key("region").string(t.region);
  w.key("az").string(t.az).key("instance_type").string(t.instance_type).key("product").string(t.product);
  w.key("spot_price").number(t.spot_price);
  if (t.has_on_demand()) w.key("on_demand_price").number(t.on_demand_price);
  w.end_object();
  return w.take();
}

std::string encode_aws_price_item(const PriceTick& t) {
  Json j;
  j["AvailabilityZone"] = t.az;
  j["InstanceType"] = t.instance_type;
  j["ProductDescription"] = t.product;
  j["SpotPrice"] = price_string(t.spot_price);
  j["Timestamp"] = format_iso8601(t.ts);
  return dump(j);
}

std::string encode_eventbridge_signal(const Signal& s) {
  const bool itn = s.kind == SignalKind::Interruption;
  const std::string region = region_for(s.region, s.az);
  Json j;
  j["version"] = "0";
  j["id"] = s.event_id.empty() ? synthetic_event_id(s) : s.event_id;
  j["detail-type"] = itn ? "EC2 Spot Instance Interruption Warning" : "EC2 Instance Rebalance Recommendation";
  j["source"] = "aws.ec2";
  // We never learn the account; twelve zeros keep AWS's shape without inventing one.
  j["account"] = "000000000000";
  j["time"] = aws_time(s.ts);
  if (!region.empty()) j["region"] = region;
  j["resources"] = Json::array(
      {"arn:" + arn_partition(region) + ":ec2:" + (s.az.empty() ? region : s.az) + ":instance/" + s.instance_id});
  Json detail;
  detail["instance-id"] = s.instance_id;
  if (itn && s.action != InstanceAction::None) detail["instance-action"] = to_string(s.action);
  j["detail"] = std::move(detail);
  return dump(j);
}

std::string encode_signal(const Signal& s) {
  Json j;
  j["ts"] = format_iso8601(s.ts);
  j["kind"] = s.kind == SignalKind::Interruption ? "interruption" : "rebalance";
  j["instance_id"] = s.instance_id;
  if (s.action != InstanceAction::None) j["action"] = to_string(s.action);
  if (s.action_time != 0) j["action_time"] = format_iso8601(s.action_time);
  if (!s.region.empty()) j["region"] = s.region;
  if (!s.az.empty()) j["az"] = s.az;
  if (!s.event_id.empty()) j["event_id"] = s.event_id;
  return dump(j);
}

std::string encode_fleet_event(const FleetEvent& f) {
  Json j;
  j["ts"] = format_iso8601(f.ts);
  j["action"] = to_string(f.action);
  j["fleet"] = f.fleet.empty() ? "default" : f.fleet;
  j["node_id"] = f.node_id;
  j["instance_id"] = f.instance_id;
  if (!f.az.empty()) j["az"] = f.az;
  if (!f.region.empty()) j["region"] = f.region;
  if (!f.instance_type.empty()) j["instance_type"] = f.instance_type;
  j["product"] = f.product.empty() ? "Linux/UNIX" : f.product;
  if (f.vcpu != 0) j["vcpu"] = f.vcpu;
  if (f.memory_gib != 0) j["memory_gib"] = f.memory_gib;
  if (!f.arch.empty()) j["arch"] = f.arch;
  return dump(j);
}

std::string encode_decision(const Decision& d) {
  Json j;
  j["decision_id"] = d.decision_id;
  j["decision"] = to_string(d.kind);
  j["ts"] = format_iso8601(d.ts);
  j["ts_ms"] = d.ts;
  j["fleet"] = d.fleet;
  j["node_id"] = d.node_id;
  j["instance_id"] = d.instance_id;
  j["region"] = d.region;
  j["az"] = d.az;
  j["instance_type"] = d.instance_type;
  j["product"] = d.product;
  j["pool"] = PoolId::text(d.az, d.instance_type, d.product);
  j["reason"] = d.reason;
  j["signal"] = d.signal;
  if (d.action_time != 0) j["action_time"] = format_iso8601(d.action_time);
  if (!d.target.empty()) j["target"] = d.target;
  j["crash_probability"] = std::isnan(d.crash_probability) ? Json() : Json(d.crash_probability);
  j["yield"] = std::isnan(d.yield) ? Json() : Json(d.yield);
  j["model"] = d.model;
  if (!d.why.empty()) j["why"] = d.why;
  if (!std::isnan(d.current_price_per_hour)) j["current_price_per_hour"] = d.current_price_per_hour;
  if (!std::isnan(d.target_price_per_hour)) j["target_price_per_hour"] = d.target_price_per_hour;
  if (!std::isnan(d.estimated_saving_per_hour())) j["estimated_saving_per_hour"] = d.estimated_saving_per_hour();
  if (!d.plan.empty()) {
    j["plan"] = d.plan;
    j["plan_nodes"] = d.plan_nodes;
    if (!std::isnan(d.plan_price_per_hour)) j["plan_price_per_hour"] = d.plan_price_per_hour;
  }
  return dump(j);
}

std::string encode_dead_letter(const DeadLetter& d, std::size_t payload_max_bytes) {
  const bool truncated = d.payload.size() > payload_max_bytes;
  std::string_view kept(d.payload.data(), truncated ? payload_max_bytes : d.payload.size());
  Json j;
  j["reason"] = d.reason;
  j["detail"] = d.detail;
  j["source"] = {{"topic", d.source.topic}, {"partition", d.source.partition}, {"offset", d.source.offset}};
  j["key"] = d.key;  // invalid UTF-8 is replaced when dumped; key_base64 keeps the bytes
  if (!valid_utf8(d.key)) j["key_base64"] = base64_encode(d.key);
  j["payload_base64"] = base64_encode(kept);
  // Truncation may split a character: the text stops at the last whole one, base64 keeps all bytes.
  const std::string_view text = truncated ? kept.substr(0, utf8_boundary(kept)) : kept;
  if (valid_utf8(text)) j["payload"] = text;
  j["payload_bytes"] = d.payload.size();
  j["truncated"] = truncated;
  j["ts_ms"] = d.ts;
  if (d.ts != 0) j["ts"] = format_iso8601(d.ts);
  return dump(j);
}

std::string base64_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const std::uint32_t v = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16 |
                            static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8 |
                            static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t v = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (rest == 2) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    const int pad = last ? (text[i + 3] == '=') + (text[i + 2] == '=') : 0;
    if (pad == 1 && text[i + 2] == '=') return std::nullopt;
    std::uint32_t v = 0;
    for (int k = 0; k < 4 - pad; ++k) {
      const int d = value(text[i + static_cast<std::size_t>(k)]);
      if (d < 0) return std::nullopt;
      v |= static_cast<std::uint32_t>(d) << (18 - 6 * k);
    }
    out += static_cast<char>(v >> 16);
    if (pad < 2) out += static_cast<char>((v >> 8) & 0xFF);
    if (pad < 1) out += static_cast<char>(v & 0xFF);
  }
  return out;
}

std::optional<Decision> decode_decision(std::string_view json) {
  const Json j = Json::parse(json, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  try {
    Decision d;
    d.decision_id = j.at("decision_id").get<std::string>();
    const auto kind = j.at("decision").get<std::string>();
    bool known = false;
    for (auto k : {DecisionKind::Stay, DecisionKind::Switch, DecisionKind::Drain, DecisionKind::Evacuate})
      if (kind == to_string(k)) d.kind = k, known = true;
    if (!known) return std::nullopt;
    d.ts = integer_at<TimestampMs>(j, "ts_ms");
    for (auto [field, name] : {std::pair{&d.fleet, "fleet"}, {&d.node_id, "node_id"}, {&d.instance_id, "instance_id"},
                               {&d.region, "region"}, {&d.az, "az"}, {&d.instance_type, "instance_type"},
                               {&d.product, "product"}, {&d.reason, "reason"}, {&d.signal, "signal"},
                               {&d.model, "model"}})
      *field = j.at(name).get<std::string>();
    if (j.contains("action_time")) {
      auto t = parse_iso8601(j.at("action_time").get<std::string>());
      if (!t) return std::nullopt;
      d.action_time = *t;
    }
    if (j.contains("target")) d.target = j.at("target").get<std::string>();
    for (auto [field, name] : {std::pair{&d.crash_probability, "crash_probability"}, {&d.yield, "yield"},
                               {&d.current_price_per_hour, "current_price_per_hour"},
                               {&d.target_price_per_hour, "target_price_per_hour"},
                               {&d.plan_price_per_hour, "plan_price_per_hour"}})
      if (j.contains(name) && !j.at(name).is_null()) *field = j.at(name).get<double>();
    if (j.contains("why")) d.why = j.at("why").get<std::string>();
    if (j.contains("plan")) {
      d.plan = j.at("plan").get<std::string>();
      d.plan_nodes = j.value("plan_nodes", 0);
    }
    return d;
  } catch (const std::exception&) {  // nlohmann's, and integer_at's out_of_range
    return std::nullopt;
  }
}

std::optional<DeadLetterRecord> decode_dead_letter(std::string_view json) {
  const Json j = Json::parse(json, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  try {
    DeadLetterRecord r;
    r.letter.reason = j.at("reason").get<std::string>();
    r.letter.detail = j.at("detail").get<std::string>();
    const auto& src = j.at("source");
    r.letter.source.topic = src.at("topic").get<std::string>();
    r.letter.source.partition = integer_at<std::int32_t>(src, "partition");
    r.letter.source.offset = integer_at<std::int64_t>(src, "offset");
    if (j.contains("key_base64")) {
      auto key = base64_decode(j.at("key_base64").get<std::string>());
      if (!key) return std::nullopt;
      r.letter.key = std::move(*key);
    } else {
      r.letter.key = j.at("key").get<std::string>();
    }
    auto payload = base64_decode(j.at("payload_base64").get<std::string>());
    if (!payload) return std::nullopt;
    r.letter.payload = std::move(*payload);
    r.payload_bytes = integer_at<std::size_t>(j, "payload_bytes");
    r.truncated = j.at("truncated").get<bool>();
    r.letter.ts = integer_at<TimestampMs>(j, "ts_ms");
    return r;
  } catch (const std::exception&) {  // nlohmann's, and integer_at's out_of_range
    return std::nullopt;
  }
}

}  // namespace spotstream
