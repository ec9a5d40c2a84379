#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "src/codec/az_region.hpp"
#include "src/codec/decoding.hpp"
#include "src/core/time.hpp"

namespace spotstream::codec_detail {

using Kind = Scalar::Kind;

const char* type_name(Kind k) {
  switch (k) {
    case Kind::Absent: return "nothing";
    case Kind::Null: return "null";
    case Kind::String: return "a string";
    case Kind::Int: return "an integer";
    case Kind::Double: return "a number";
    case Kind::Bool: return "a boolean";
    case Kind::Object: return "an object";
    case Kind::Array: return "an array";
  }
  return "?";
}

bool Ctx::malformed(simdjson::error_code e) {
  if (e == simdjson::UTF8_ERROR) return fail(dlq::kMalformedJson, "message is not valid UTF-8");
  if (e == simdjson::NUMBER_ERROR)
    return fail(dlq::kMalformedJson, "malformed or unrepresentable number");
  return fail(dlq::kMalformedJson, std::string("malformed JSON: ") + simdjson::error_message(e));
}

bool Ctx::check_end() {
  // On-demand parsing stops at the end of the root object; anything after it is garbage.
  const char* rest = nullptr;
  if (doc && !doc->current_location().get(rest))
    return fail(dlq::kMalformedJson, "trailing content after the JSON object");
  return true;
}

std::string quote(std::string_view s) {
  static constexpr std::size_t kMax = 64;
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > kMax) out += "...";
  out += '"';
  return out;
}

simdjson::error_code double_from_token(std::string_view token, double& out) {
  const auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), out);
  return ec == std::errc() ? simdjson::SUCCESS : simdjson::NUMBER_ERROR;
}

simdjson::error_code read_double(od::value& v, double& out) {
  const std::string_view token = v.raw_json_token();  // peeked before get_double moves past it
  double checked = 0;
  if (auto e = v.get_double().get(checked)) return e;
  return double_from_token(token, out);
}

simdjson::error_code read_scalar(od::value& v, Scalar& s) {
  od::json_type t;
  if (auto e = v.type().get(t)) return e;
  switch (t) {
    case od::json_type::string:
      s.kind = Kind::String;
      return v.get_string().get(s.str);
    case od::json_type::number: {
      const std::string_view token = v.raw_json_token();  // peeked before get_number moves past it
      od::number n;
      if (auto e = v.get_number().get(n)) return e;
      if (n.is_int64()) {
        s.kind = Kind::Int;
        s.i = n.get_int64();
        s.d = n.as_double();
        return simdjson::SUCCESS;
      }
      s.kind = Kind::Double;
      return double_from_token(token, s.d);
    }
    case od::json_type::boolean:
      s.kind = Kind::Bool;
      return v.get_bool().get(s.b);
    case od::json_type::null: {
      bool is_null = false;
      if (auto e = v.is_null().get(is_null)) return e;
      s.kind = Kind::Null;
      return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
    }
    case od::json_type::object:
      s.kind = Kind::Object;
      return consume_checked(v);
    case od::json_type::array:
      s.kind = Kind::Array;
      return consume_checked(v);
  }
  return simdjson::TAPE_ERROR;
}

simdjson::error_code consume_checked(od::value& v, int depth) {
  // Past this depth simdjson's own skipping takes over: nothing we accept nests that deep, and
  // the recursion stays bounded whatever the input.
  static constexpr int kMaxDepth = 32;
  od::json_type t;
  if (auto e = v.type().get(t)) return e;
  switch (t) {
    case od::json_type::object: {
      if (depth >= kMaxDepth) return simdjson::SUCCESS;
      od::object o;
      if (auto e = v.get_object().get(o)) return e;
      for (auto res : o) {
        if (auto e = res.error()) return e;
        od::field& f = res.value_unsafe();
        std::string_view key;
        if (auto e = f.unescaped_key().get(key)) return e;
        if (auto e = consume_checked(f.value(), depth + 1)) return e;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::array: {
      if (depth >= kMaxDepth) return simdjson::SUCCESS;
      od::array a;
      if (auto e = v.get_array().get(a)) return e;
      for (auto res : a) {
        if (auto e = res.error()) return e;
        od::value& item = res.value_unsafe();
        if (auto e = consume_checked(item, depth + 1)) return e;
      }
      return simdjson::SUCCESS;
    }
    default: {
      Scalar s;
      return read_scalar(v, s);
    }
  }
}

// "field 'name'", built only on the error path.
std::string field(const char* name) { return std::string("field '") + name + "'"; }

bool get_string(Ctx& c, const Scalar& s, const char* name, bool required, std::string_view& out) {
  if (s.kind == Kind::String) {
    out = s.str;
    return true;
  }
  if (!s.present()) {
    if (!required) return true;
    if (s.kind == Kind::Absent) return c.fail(dlq::kMissingField, std::string("missing required field '") + name + "'");
  }
  return c.fail(dlq::kWrongType, std::string("field '") + name + "' must be a string, got " + type_name(s.kind));
}

bool get_nonempty_string(Ctx& c, const Scalar& s, const char* name, bool required, std::string_view& out) {
  if (!get_string(c, s, name, required, out)) return false;
  if (s.kind == Kind::String && out.empty())
    return c.fail(dlq::kBadValue, std::string("field '") + name + "' must not be empty");
  return true;
}

bool get_timestamp(Ctx& c, const Scalar& s, const char* name, bool required, TimestampMs& out) {
  TimestampMs ts = 0;
  switch (s.kind) {
    case Kind::Absent:
    case Kind::Null:
      if (!required) return true;
      if (s.kind == Kind::Absent) return c.fail(dlq::kMissingField, "missing required field '" + std::string(name) + "'");
      return c.fail(dlq::kWrongType, field(name) + " must be an ISO-8601 string or epoch milliseconds, got null");
    case Kind::String: {
      auto parsed = parse_iso8601(s.str);
      if (!parsed) return c.fail(dlq::kBadTimestamp, field(name) + " is not an ISO-8601 time: " + quote(s.str));
      ts = *parsed;
      break;
    }
    case Kind::Int:
      ts = s.i;
      break;
    case Kind::Double:
      return c.fail(dlq::kBadTimestamp, field(name) + " must be whole epoch milliseconds, got a fraction or exponent");
    default:
      return c.fail(dlq::kWrongType,
                    field(name) + " must be an ISO-8601 string or epoch milliseconds, got " + type_name(s.kind));
  }
  if (ts < 0 || ts >= kMaxTimestampMs)
    return c.fail(dlq::kBadTimestamp, field(name) + " is out of range (1970 .. 2100): " + std::to_string(ts) + " ms");
  out = ts;
  return true;
}

bool get_price(Ctx& c, const Scalar& s, const char* name, bool required, double& out) {
  double v = 0;
  switch (s.kind) {
    case Kind::Absent:
    case Kind::Null:
      out = std::numeric_limits<double>::quiet_NaN();
      if (!required) return true;
      if (s.kind == Kind::Absent) return c.fail(dlq::kMissingField, "missing required field '" + std::string(name) + "'");
      return c.fail(dlq::kWrongType, field(name) + " must be a number or a numeric string, got null");
    case Kind::Int:
    case Kind::Double:
      v = s.d;
      break;
    case Kind::String: {
      const char* end = s.str.data() + s.str.size();
      auto [ptr, ec] = std::from_chars(s.str.data(), end, v);
      if (ec != std::errc() || ptr != end || s.str.empty())
        return c.fail(dlq::kBadPrice, field(name) + " is not a number: " + quote(s.str));
      break;
    }
    default:
      return c.fail(dlq::kWrongType, field(name) + " must be a number or a numeric string, got " + type_name(s.kind));
  }
  // Prices are held in whole micro-dollars per hour: a smaller one would be held as zero.
  constexpr double kMinPrice = 1e-6;
  if (!std::isfinite(v) || v < kMinPrice || v > c.limits.max_price) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g", v);
    return c.fail(dlq::kBadPrice, field(name) + " is " + buf + ": prices must be >= 0.000001 (one micro-dollar) and <= " +
                                      std::to_string(c.limits.max_price) + " USD/hour");
  }
  out = v;
  return true;
}

bool get_quantity(Ctx& c, const Scalar& s, const char* name, double& out) {
  if (!s.present()) return true;
  if (s.kind != Kind::Int && s.kind != Kind::Double)
    return c.fail(dlq::kWrongType, field(name) + " must be a number, got " + type_name(s.kind));
  if (!std::isfinite(s.d) || s.d < 0 || s.d > 1e6)
    return c.fail(dlq::kBadValue, field(name) + " must be between 0 and 1e6, got " + std::to_string(s.d));
  out = s.d;
  return true;
}

bool resolve_location(Ctx& c, std::string_view az, const char* az_name, std::string_view region,
                      const char* region_name, bool az_required, std::string& az_out, std::string& region_out) {
  std::optional<std::string_view> derived;
  if (!az.empty()) {
    derived = region_of_az(az);
    if (!derived)
      return c.fail(dlq::kUnknownAz, std::string("field '") + az_name + "' is neither an AZ name (us-east-1a) nor a known AZ id (use1-az2): " + quote(az));
  } else if (az_required) {
    return c.fail(dlq::kUnknownAz, std::string("field '") + az_name + "' is empty");
  }
  if (!region.empty()) {
    if ((!derived || *derived != region) && !is_region_name(region))
      return c.fail(dlq::kBadValue, std::string("field '") + region_name + "' is not a region name: " + quote(region));
    if (derived && *derived != region)
      return c.fail(dlq::kBadValue, std::string("field '") + region_name + "' is " + std::string(region) + " but " +
                                        az_name + " " + std::string(az) + " is in " + std::string(*derived));
    region_out.assign(region);
  } else if (derived) {
    region_out.assign(*derived);
  }
  az_out.assign(az);
  return true;
}

namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

// EC2 sizes: nano .. xlarge, <N>xlarge, metal, metal-<N>xl.
bool is_instance_size(std::string_view s) {
  for (const std::string_view named : {"nano", "micro", "small", "medium", "large", "xlarge", "metal"})
    if (s == named) return true;
  if (s.size() > 6 && s.ends_with("xlarge")) return all_digits(s.substr(0, s.size() - 6));
  if (s.starts_with("metal-") && s.ends_with("xl")) return all_digits(s.substr(6, s.size() - 8));
  return false;
}

// EC2 families: a letter, then lowercase letters, digits and '-', with a generation digit
// (c5, m7i-flex, u-6tb1, mac2-m2pro).
bool is_instance_family(std::string_view s) {
  if (s.empty() || s[0] < 'a' || s[0] > 'z') return false;
  bool digit = false;
  for (const char ch : s) {
    digit = digit || (ch >= '0' && ch <= '9');
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-')) return false;
  }
  return digit;
}

}  // namespace

bool check_instance_type(Ctx& c, std::string_view type, const char* name) {
  const auto dot = type.find('.');
  const bool ok = type.size() <= 64 && dot != std::string_view::npos && is_instance_family(type.substr(0, dot)) &&
                  is_instance_size(type.substr(dot + 1));
  if (!ok)
    return c.fail(dlq::kBadValue, std::string("field '") + name +
                                      "' is not an EC2 instance type (<family>.<size>: c5.large, m7i-flex.2xlarge, "
                                      "c7i.metal-24xl): " + quote(type));
  return true;
}

bool parse_action(Ctx& c, std::string_view v, const char* name, bool allow_none, InstanceAction& out) {
  if (v == "terminate") out = InstanceAction::Terminate;
  else if (v == "stop") out = InstanceAction::Stop;
  else if (v == "hibernate") out = InstanceAction::Hibernate;
  else if (allow_none && v == "none") out = InstanceAction::None;
  else
    return c.fail(dlq::kBadValue, std::string("field '") + name + "' must be terminate, stop or hibernate" +
                                      (allow_none ? " (or none)" : "") + ", got " + quote(v));
  return true;
}

}  // namespace spotstream::codec_detail
