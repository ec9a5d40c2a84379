// The fields of a spot.risk record that rank pools, read with simdjson: for readers that go through
// every record (a backtest reads millions), where decode_risk_record's full read costs most of the run.
#include <simdjson.h>

#include "src/codec/decoding.hpp"
#include "src/codec/json_encoder.hpp"

namespace spotstream {

namespace {

namespace od = simdjson::ondemand;

bool text(od::object& o, std::string_view name, std::string& out) {
  std::string_view v;
  if (o.find_field_unordered(name).get_string().get(v)) return false;
  out.assign(v);
  return true;
}

// A number, or NaN for null; false when absent or of another type.
bool number(od::object& o, std::string_view name, double& out) {
  od::value v;
  if (o.find_field_unordered(name).get(v)) return false;
  bool null = false;
  if (!v.is_null().get(null) && null) {
    out = kAbsent;
    return true;
  }
  return !codec_detail::read_double(v, out);
}

// An optional flag: false only on an error other than its absence. After any other error the
// on-demand iterator is in an unspecified state and must not be read further.
bool optional_flag(od::object& o, std::string_view name, bool& out) {
  bool v = false;
  const auto e = o.find_field_unordered(name).get_bool().get(v);
  if (e == simdjson::NO_SUCH_FIELD) return true;
  if (e) return false;
  out = v;
  return true;
}

}  // namespace

std::optional<RiskRecord> decode_risk_score(std::string_view json) {
  thread_local od::parser parser;
  const simdjson::padded_string padded(json);
  od::document doc;
  od::object o;
  if (parser.iterate(padded).get(doc) || doc.get_object().get(o)) return std::nullopt;
  RiskRecord r;
  for (auto [field, name] : {std::pair{&r.pool, "pool"}, {&r.region, "region"}, {&r.az, "az"},
                             {&r.instance_type, "instance_type"}, {&r.product, "product"}, {&r.family, "family"}})
    if (!text(o, name, *field)) return std::nullopt;
  std::int64_t ts = 0;
  if (o.find_field_unordered("ts_ms").get_int64().get(ts)) return std::nullopt;
  r.ts = ts;
  if (!optional_flag(o, "warming", r.warming) || !optional_flag(o, "stale", r.stale)) return std::nullopt;
  od::object f;
  if (o.find_field_unordered("features").get_object().get(f)) return std::nullopt;
  if (!number(f, "price", r.features.price) || !number(f, "on_demand_price", r.features.on_demand_price))
    return std::nullopt;
  od::value band;
  if (o.find_field_unordered("band").get(band)) return std::nullopt;
  bool null = false;
  if (band.is_null().get(null)) return std::nullopt;
  if (!null) {
    od::object b;
    std::int64_t index = 0;
    if (band.get_object().get(b) || b.find_field_unordered("index").get_int64().get(index)) return std::nullopt;
    r.features.advisor_band = static_cast<int>(index);
  }
  if (!number(o, "crash_probability", r.score.crash_probability) || !text(o, "model", r.score.model)) return std::nullopt;
  r.score.stability = 1 - r.score.crash_probability;
  std::string_view version;
  const auto e = o.find_field_unordered("model_version").get_string().get(version);
  if (e && e != simdjson::NO_SUCH_FIELD) return std::nullopt;
  r.score.model_version.assign(version);
  return r;
}

}  // namespace spotstream
