// The fields of a spot.risk record that rank pools, read with simdjson: for readers that go through
// every record (a backtest reads millions), where decode_risk_record's full read costs most of the run.
// One pass over the fields in the order they come: looking each up by name would scan the record
// again for every field, and twice over for those a record leaves out (`stale`).
#include <simdjson.h>

#include "src/codec/decoding.hpp"
#include "src/codec/json_encoder.hpp"

namespace spotstream {

namespace {

namespace od = simdjson::ondemand;

// A number, or NaN for null.
bool number(od::value& v, double& out) {
  bool null = false;
  if (!v.is_null().get(null) && null) {
    out = kAbsent;
    return true;
  }
  return !codec_detail::read_double(v, out);
}

bool text(od::value& v, std::string& out) {
  std::string_view s;
  if (v.get_string().get(s)) return false;
  out.assign(s);
  return true;
}

// A key as written, up to its closing quote, not unescaped: simdjson's lookups by name compare keys
// so too (a key spelling one of ours with escapes is another key). Unescaping every key of a record
// cost more than reading the values wanted.
std::string_view raw_key(od::field& f) {
  const char* k = f.key().raw();  // after the opening quote; the structural pass found the closing one
  const char* end = k;
  while (*end != '"') end += *end == '\\' ? 2 : 1;
  return {k, static_cast<std::size_t>(end - k)};
}

// Calls on_field(key, value) for each field while it returns true; false on malformed JSON or
// when on_field refuses. A repeated key is read once: its first value, as a lookup by name would.
template <class F>
bool each_field(od::object& o, F&& on_field) {
  for (auto res : o) {
    if (res.error()) return false;
    od::field& f = res.value_unsafe();
    if (!on_field(raw_key(f), f.value())) return false;
  }
  return true;
}

// Fields of the record, as bits of what has been read.
enum Field : unsigned {
  kPool, kRegion, kAz, kType, kProduct, kFamily, kTsMs, kWarming, kStale, kFeatures, kBand, kCrash, kModel,
  kModelVersion, kFieldCount
};
constexpr std::string_view kNames[kFieldCount] = {
    "pool", "region", "az", "instance_type", "product", "family", "ts_ms", "warming", "stale", "features", "band",
    "crash_probability", "model", "model_version"};
constexpr unsigned kRequired = ~((1u << kWarming) | (1u << kStale) | (1u << kModelVersion)) & ((1u << kFieldCount) - 1);

// The two prices lead the features: the rest is skipped unread.
bool read_features(od::value& v, RiskRecord& r) {
  od::object f;
  if (v.get_object().get(f)) return false;
  bool price = false, on_demand = false;
  for (auto res : f) {
    if (res.error()) return false;
    od::field& x = res.value_unsafe();
    const std::string_view key = raw_key(x);
    if (key == "price" && !price) {
      if (!number(x.value(), r.features.price)) return false;
      price = true;
    } else if (key == "on_demand_price" && !on_demand) {
      if (!number(x.value(), r.features.on_demand_price)) return false;
      on_demand = true;
    }
    if (price && on_demand) return true;
  }
  return false;
}

bool read_band(od::value& v, RiskRecord& r) {
  bool null = false;
  if (v.is_null().get(null)) return false;
  if (null) return true;
  od::object b;
  if (v.get_object().get(b)) return false;
  bool index = false;
  const bool ok = each_field(b, [&](std::string_view key, od::value& x) {
    if (key != "index" || index) return true;
    std::int64_t i = 0;
    if (x.get_int64().get(i)) return false;
    r.features.advisor_band = static_cast<int>(i);
    return index = true;
  });
  return ok && index;
}

bool read_field(Field k, od::value& v, RiskRecord& r) {
  switch (k) {
    case kPool: return text(v, r.pool);
    case kRegion: return text(v, r.region);
    case kAz: return text(v, r.az);
    case kType: return text(v, r.instance_type);
    case kProduct: return text(v, r.product);
    case kFamily: return text(v, r.family);
    case kTsMs: {
      std::int64_t ts = 0;
      if (v.get_int64().get(ts)) return false;
      r.ts = ts;
      return true;
    }
    case kWarming: return !v.get_bool().get(r.warming);
    case kStale: return !v.get_bool().get(r.stale);
    case kFeatures: return read_features(v, r);
    case kBand: return read_band(v, r);
    case kCrash: return number(v, r.score.crash_probability);
    case kModel: return text(v, r.score.model);
    case kModelVersion: return text(v, r.score.model_version);
    default: return false;
  }
}

}  // namespace

std::optional<RiskRecord> decode_risk_score(std::string_view json) {
  thread_local od::parser parser;
  thread_local std::string padded;  // reused: a record's copy with simdjson's padding after it
  padded.reserve(json.size() + simdjson::SIMDJSON_PADDING);
  padded.assign(json);
  od::document doc;
  od::object o;
  if (parser.iterate(padded.data(), padded.size(), padded.capacity()).get(doc) || doc.get_object().get(o))
    return std::nullopt;
  RiskRecord r;
  unsigned seen = 0;
  const bool ok = each_field(o, [&](std::string_view key, od::value& v) {
    const int k = codec_detail::find_key(key, kNames);
    if (k < 0 || seen & (1u << k)) return true;
    seen |= 1u << k;
    return read_field(static_cast<Field>(k), v, r);
  });
  if (!ok || (seen & kRequired) != kRequired) return std::nullopt;
  r.score.stability = 1 - r.score.crash_probability;
  return r;
}

}  // namespace spotstream
