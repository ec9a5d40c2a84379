// Signals: EventBridge events, IMDS bodies and canonical signals.
#include "src/codec/az_region.hpp"
#include "src/codec/decoding.hpp"

namespace spotstream::codec_detail {

namespace {

// AWS gives the interruption warning two minutes ahead; neither EventBridge nor IMDS carries both
// times, so one is derived from the other.
constexpr TimestampMs kNoticeMs = 2 * 60 * 1000;

constexpr std::string_view kItnDetailType = "EC2 Spot Instance Interruption Warning";
constexpr std::string_view kRebalanceDetailType = "EC2 Instance Rebalance Recommendation";

enum SignalKey {
  kTs, kKind, kInstanceId, kAction, kActionTime, kRegion, kAz,  // canonical (+ IMDS "action")
  kId, kDetailType, kSource, kTime,                             // EventBridge (+ IMDS "time")
  kNoticeTime,                                                  // IMDS rebalance
  kEventId,                                                     // canonical, optional
  kSignalKeyCount
};
constexpr std::string_view kSignalKeys[] = {"ts", "kind", "instance_id", "action", "action_time", "region", "az",
                                            "id", "detail-type", "source", "time", "noticeTime", "event_id"};
static_assert(std::size(kSignalKeys) == kSignalKeyCount);

struct SignalFields {
  Scalar f[kSignalKeyCount];
  Scalar detail;            // kind only; its fields below
  Scalar detail_instance_id;
  Scalar detail_action;
  Scalar resources;         // kind only
  bool resources_bad = false;
  std::string_view arn_location, arn_instance_id;
  bool has_arn = false;
};

// arn:<partition>:ec2:<az-or-region>[:<account>]:instance/<id>. AWS's own ITN samples leave out
// the account and put the AZ where the region usually goes.
bool parse_instance_arn(std::string_view arn, std::string_view& location, std::string_view& id) {
  std::string_view parts[6];
  std::size_t n = 0, start = 0;
  while (n < 6) {
    const auto colon = arn.find(':', start);
    parts[n++] = arn.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start);
    if (colon == std::string_view::npos) break;
    start = colon + 1;
    if (n == 6) return false;
  }
  if ((n != 5 && n != 6) || parts[0] != "arn" || parts[1].substr(0, 3) != "aws" || parts[2] != "ec2") return false;
  const std::string_view resource = parts[n - 1];
  if (resource.substr(0, 9) != "instance/" || resource.size() == 9) return false;
  location = parts[3];
  id = resource.substr(9);
  return true;
}

bool read_detail(Ctx& c, od::value& v, SignalFields& s) {
  od::json_type t;
  if (auto e = v.type().get(t)) return c.malformed(e);
  if (t != od::json_type::object) {
    if (auto e = read_scalar(v, s.detail)) return c.malformed(e);
    return true;
  }
  s.detail.kind = Scalar::Kind::Object;
  od::object obj;
  if (auto e = v.get_object().get(obj)) return c.malformed(e);
  return for_each_field(c, obj, [&](std::string_view key, od::value& dv) {
    simdjson::error_code e;
    if (key == "instance-id") e = read_scalar(dv, s.detail_instance_id);
    else if (key == "instance-action") e = read_scalar(dv, s.detail_action);
    else e = consume_checked(dv);
    return e ? c.malformed(e) : true;
  });
}

bool read_resources(Ctx& c, od::value& v, SignalFields& s) {
  od::json_type t;
  if (auto e = v.type().get(t)) return c.malformed(e);
  if (t != od::json_type::array) {
    if (auto e = read_scalar(v, s.resources)) return c.malformed(e);
    return true;
  }
  s.resources.kind = Scalar::Kind::Array;
  od::array arr;
  if (auto e = v.get_array().get(arr)) return c.malformed(e);
  for (auto res : arr) {
    if (auto e = res.error()) return c.malformed(e);
    od::value& item = res.value_unsafe();
    Scalar r;
    if (auto e = read_scalar(item, r)) return c.malformed(e);
    if (r.kind != Scalar::Kind::String) s.resources_bad = true;
    else if (!s.has_arn) s.has_arn = parse_instance_arn(r.str, s.arn_location, s.arn_instance_id);
  }
  return true;
}

Signal& new_signal(std::vector<Event>& out, SignalKind kind, SignalFormat format) {
  auto& s = std::get<Signal>(out.emplace_back(std::in_place_type<Signal>));
  s.kind = kind;
  s.format = format;
  return s;
}

bool eventbridge(Ctx& c, const SignalFields& s, std::vector<Event>& out) {
  const auto& f = s.f;
  std::string_view detail_type, source, id, region, instance_id, action;
  if (!get_string(c, f[kDetailType], "detail-type", true, detail_type) ||
      !get_string(c, f[kSource], "source", false, source))
    return false;
  SignalKind kind;
  if (detail_type == kItnDetailType) kind = SignalKind::Interruption;
  else if (detail_type == kRebalanceDetailType) kind = SignalKind::Rebalance;
  else return c.fail(dlq::kUnknownFormat, "unknown EventBridge detail-type " + quote(detail_type));
  if (!source.empty() && source != "aws.ec2")
    return c.fail(dlq::kUnknownFormat, "EventBridge source is " + quote(source) + ", expected \"aws.ec2\"");
  TimestampMs ts = 0;
  if (!get_nonempty_string(c, f[kId], "id", true, id) || !get_timestamp(c, f[kTime], "time", true, ts) ||
      !get_string(c, f[kRegion], "region", false, region))
    return false;
  if (s.detail.kind == Scalar::Kind::Absent) return c.fail(dlq::kMissingField, "missing required field 'detail'");
  if (s.detail.kind != Scalar::Kind::Object)
    return c.fail(dlq::kWrongType, std::string("field 'detail' must be an object, got ") + type_name(s.detail.kind));
  if (s.resources.present() && (s.resources.kind != Scalar::Kind::Array || s.resources_bad))
    return c.fail(dlq::kWrongType, "field 'resources' must be an array of strings");
  if (!get_nonempty_string(c, s.detail_instance_id, "detail.instance-id", false, instance_id)) return false;
  if (instance_id.empty()) {
    if (!s.has_arn)
      return c.fail(dlq::kMissingField, "missing 'detail.instance-id' and no instance ARN in 'resources'");
    instance_id = s.arn_instance_id;
  } else if (s.has_arn && s.arn_instance_id != instance_id) {
    return c.fail(dlq::kBadValue, "detail.instance-id " + quote(instance_id) + " differs from the resource ARN's " +
                                      quote(s.arn_instance_id));
  }
  InstanceAction act = InstanceAction::None;
  if (kind == SignalKind::Interruption) {
    // An interruption warning without its action is still an interruption warning: evacuating
    // beats sending it to the DLQ, so a missing action stays None rather than failing.
    if (!get_string(c, s.detail_action, "detail.instance-action", false, action)) return false;
    if (s.detail_action.present() && !parse_action(c, action, "detail.instance-action", false, act)) return false;
  }
  // The ARN's location is an AZ (NTH's samples) or just the region (Karpenter's).
  std::string_view az;
  if (s.has_arn && !s.arn_location.empty()) {
    const std::string_view loc = s.arn_location;
    if (region_of_az(loc)) {
      az = loc;
    } else if (!is_region_name(loc)) {
      return c.fail(dlq::kUnknownAz, "resource ARN location is neither an AZ nor a region: " + quote(loc));
    } else if (region.empty()) {
      region = loc;
    } else if (region != loc) {
      return c.fail(dlq::kBadValue, "field 'region' is " + quote(region) + " but the resource ARN says " + quote(loc));
    }
  }
  auto& sig = new_signal(out, kind, SignalFormat::EventBridge);
  if (!resolve_location(c, az, "resource ARN AZ", region, "region", false, sig.az, sig.region)) {
    out.pop_back();
    return false;
  }
  sig.action = act;
  sig.instance_id.assign(instance_id);
  sig.event_id.assign(id);
  sig.ts = ts;
  if (kind == SignalKind::Interruption) sig.action_time = ts + kNoticeMs;
  return true;
}

bool imds(Ctx& c, const SignalFields& s, std::string_view key, bool rebalance, std::vector<Event>& out) {
  if (key.empty())
    return c.fail(dlq::kMissingInstanceId, "IMDS body without an instance id: the message key must carry it");
  TimestampMs t = 0;
  InstanceAction act = InstanceAction::None;
  if (rebalance) {
    if (!get_timestamp(c, s.f[kNoticeTime], "noticeTime", true, t)) return false;
  } else {
    std::string_view action;
    if (!get_string(c, s.f[kAction], "action", true, action) || !parse_action(c, action, "action", false, act) ||
        !get_timestamp(c, s.f[kTime], "time", true, t))
      return false;
    if (t < kNoticeMs) return c.fail(dlq::kBadTimestamp, "field 'time' is less than two minutes after the epoch");
  }
  auto& sig = new_signal(out, rebalance ? SignalKind::Rebalance : SignalKind::Interruption,
                         rebalance ? SignalFormat::ImdsRebalance : SignalFormat::ImdsInstanceAction);
  sig.action = act;
  sig.instance_id.assign(key);
  // IMDS's "time" is when the instance goes; the notice itself came two minutes before.
  sig.ts = rebalance ? t : t - kNoticeMs;
  sig.action_time = rebalance ? 0 : t;
  return true;
}

bool canonical(Ctx& c, const SignalFields& s, std::vector<Event>& out) {
  const auto& f = s.f;
  std::string_view kind_s, instance_id, action, region, az, event_id;
  TimestampMs ts = 0, action_time = 0;
  if (!get_timestamp(c, f[kTs], "ts", true, ts) || !get_string(c, f[kKind], "kind", true, kind_s)) return false;
  SignalKind kind;
  if (kind_s == "interruption") kind = SignalKind::Interruption;
  else if (kind_s == "rebalance") kind = SignalKind::Rebalance;
  else return c.fail(dlq::kBadValue, "field 'kind' must be interruption or rebalance, got " + quote(kind_s));
  InstanceAction act = InstanceAction::None;
  if (!get_nonempty_string(c, f[kInstanceId], "instance_id", true, instance_id) ||
      !get_string(c, f[kAction], "action", false, action) ||
      (f[kAction].present() && !parse_action(c, action, "action", true, act)) ||
      !get_timestamp(c, f[kActionTime], "action_time", false, action_time) ||
      !get_string(c, f[kRegion], "region", false, region) || !get_string(c, f[kAz], "az", false, az) ||
      !get_string(c, f[kEventId], "event_id", false, event_id))
    return false;
  if (kind == SignalKind::Rebalance && act != InstanceAction::None)
    return c.fail(dlq::kBadValue, "field 'action' is only valid for kind interruption");
  auto& sig = new_signal(out, kind, SignalFormat::Canonical);
  if (!resolve_location(c, az, "az", region, "region", false, sig.az, sig.region)) {
    out.pop_back();
    return false;
  }
  sig.action = act;
  sig.instance_id.assign(instance_id);
  sig.event_id.assign(event_id);
  sig.ts = ts;
  sig.action_time = action_time;
  return true;
}

}  // namespace

bool decode_signal(Ctx& c, od::object& obj, std::string_view key, std::vector<Event>& out) {
  SignalFields s;
  const bool ok = for_each_field(c, obj, [&](std::string_view k, od::value& v) {
    const int i = find_key(k, kSignalKeys);
    if (i >= 0) {
      if (auto e = read_scalar(v, s.f[i])) return c.malformed(e);
      return true;
    }
    if (k == "detail") return read_detail(c, v, s);
    if (k == "resources") return read_resources(c, v, s);
    if (auto e = consume_checked(v)) return c.malformed(e);
    return true;
  });
  if (!ok || !c.check_end()) return false;
  using K = Scalar::Kind;
  if (s.f[kDetailType].kind != K::Absent) return eventbridge(c, s, out);
  if (s.f[kKind].kind != K::Absent) return canonical(c, s, out);
  if (s.f[kNoticeTime].kind != K::Absent) return imds(c, s, key, true, out);
  if (s.f[kAction].kind != K::Absent || s.f[kTime].kind != K::Absent) return imds(c, s, key, false, out);
  return c.fail(dlq::kUnknownFormat, "no signal shape recognised: expected an EventBridge event (detail-type), a "
                                      "canonical signal (kind), or an IMDS body (action/time or noticeTime)");
}

}  // namespace spotstream::codec_detail
