// spot.risk records <-> JSON (declared in json_encoder.hpp with the other record codecs).
#include <algorithm>
#include <cmath>
#include <vector>

#include "src/codec/json_detail.hpp"
#include "src/codec/json_encoder.hpp"
#include "src/codec/json_writer.hpp"
#include "src/core/time.hpp"

namespace spotstream {

using codec_json::integer_at;
using codec_json::Json;

namespace {

// The numeric features of a risk record, by their docs/design.md names, in the order they are written.
struct DoubleFeature {
  std::string_view name;
  double Features::*field;
};
// The interruption pressure's counts, by their names in the record's "pressure" object.
struct PressureCounts {
  std::string_view name;
  std::uint32_t (InterruptionPressure::*counts)[kPressureWindows];
};
constexpr PressureCounts kPressureCounts[] = {
    {"pool_notices", &InterruptionPressure::pool_notices},
    {"pool_rebalances", &InterruptionPressure::pool_rebalances},
    {"family_notices", &InterruptionPressure::family_notices},
    {"family_rebalances", &InterruptionPressure::family_rebalances},
};

constexpr DoubleFeature kDoubleFeatures[] = {
    {"price", &Features::price},
    {"window_min", &Features::window_min},
    {"window_max", &Features::window_max},
    {"price_position", &Features::price_position},
    {"discount_depth", &Features::discount_depth},
    {"on_demand_price", &Features::on_demand_price},
    {"family_stress_mean", &Features::family_stress_mean},
    {"family_stress_max", &Features::family_stress_max},
    {"volatility_24h", &Features::volatility_24h},
    {"hour_sin", &Features::hour_sin},
    {"hour_cos", &Features::hour_cos},
};

}  // namespace

// Written directly, not through a document tree: one record per published pool update is the
// hottest encoding in the process. decode_risk_record (and the tests) read it back with nlohmann.
std::string encode_risk_record(const RiskRecord& r) {
  JsonWriter w(1536);  // a record takes about 1.1 KB: room for it at once, never a copy to grow
  w.begin_object();
  w.key("pool").string(r.pool);
  w.key("region").string(r.region);
  w.key("az").string(r.az);
  w.key("instance_type").string(r.instance_type);
  w.key("product").string(r.product);
  w.key("family").string(r.family);
  char ts[48];
  w.key("ts").string(format_iso8601(r.ts, ts));
  w.key("ts_ms").integer(r.ts);
  w.key("warming").boolean(r.warming);
  if (r.stale) w.key("stale").boolean(true);  // only when true: records of healthy feeds stay as they were
  const Features& x = r.features;
  w.key("features").begin_object();
  for (const auto& d : kDoubleFeatures) w.key(d.name).number(x.*d.field);
  w.key("on_demand_source").string(x.on_demand_source);
  w.key("family_pools").integer(x.family_pools);
  w.key("is_weekend").boolean(x.is_weekend);
  w.key("is_business_hours").boolean(x.is_business_hours);
  w.key("ticks_in_window").integer(x.ticks_in_window);
  w.key("instance_cores").number(x.instance_cores);
  w.key("instance_ram_gb").number(x.instance_ram_gb);
  w.end_object();
  w.key("band");
  if (x.advisor_band >= 0)
    w.begin_object()
        .key("index").integer(x.advisor_band)
        .key("label").string(r.advisor_band_label)
        .key("savings_pct").integer(x.advisor_savings_pct)
        .end_object();
  else
    w.null();
  w.key("pressure").begin_object();
  w.key("windows_ms").begin_array();
  for (const auto ms : r.pressure_windows_ms) w.integer(ms);
  w.end_array();
  for (const auto& [name, counts] : kPressureCounts) {
    w.key(name).begin_array();
    for (const auto n : x.pressure.*counts) w.integer(n);
    w.end_array();
  }
  w.end_object();
  w.key("stability").number(r.score.stability);
  w.key("crash_probability").number(r.score.crash_probability);
  w.key("label").string(r.score.label);
  w.key("model").string(r.score.model);
  w.key("model_version").string(r.score.model_version);
  w.key("model_kind").string(r.score.model_kind);
  w.key("assumptions").begin_array();
  for (const auto code : assumption_codes(r.score.assumptions)) w.string(code);
  w.end_array();
  w.end_object();
  return w.take();
}

std::optional<RiskRecord> decode_risk_record(std::string_view json) {
  const Json j = Json::parse(json, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  try {
    RiskRecord r;
    for (auto [field, name] : {std::pair{&r.pool, "pool"}, {&r.region, "region"}, {&r.az, "az"},
                               {&r.instance_type, "instance_type"}, {&r.product, "product"}, {&r.family, "family"}})
      *field = j.at(name).get<std::string>();
    r.ts = integer_at<TimestampMs>(j, "ts_ms");
    r.warming = j.value("warming", false);
    r.stale = j.value("stale", false);
    const Json& f = j.at("features");
    Features& x = r.features;
    for (const auto& d : kDoubleFeatures) {
      const Json& v = f.at(d.name);
      x.*d.field = v.is_null() ? kAbsent : v.get<double>();
    }
    const auto source = f.at("on_demand_source").get<std::string>();
    if (source == kOnDemandTick) x.on_demand_source = kOnDemandTick;
    else if (source == kOnDemandTable) x.on_demand_source = kOnDemandTable;
    else if (source == kOnDemandAbsent) x.on_demand_source = kOnDemandAbsent;
    else return std::nullopt;
    x.family_pools = integer_at<std::uint32_t>(f, "family_pools");
    x.is_weekend = f.at("is_weekend").get<bool>();
    x.is_business_hours = f.at("is_business_hours").get<bool>();
    x.ticks_in_window = integer_at<std::uint32_t>(f, "ticks_in_window");
    // Optional: records written before model versions existed still decode.
    for (auto [name, field] : {std::pair{"instance_cores", &x.instance_cores}, {"instance_ram_gb", &x.instance_ram_gb}})
      if (const auto it = f.find(name); it != f.end() && it->is_number()) *field = it->get<double>();
    if (const Json& band = j.at("band"); !band.is_null()) {
      x.advisor_band = integer_at<int>(band, "index");
      r.advisor_band_label = band.at("label").get<std::string>();
      x.advisor_savings_pct = integer_at<int>(band, "savings_pct");
    }
    // Optional: records written before the pressure existed still decode (zero pressure).
    if (const auto p = j.find("pressure"); p != j.end() && p->is_object()) {
      const auto windows = p->at("windows_ms").get<std::vector<std::int64_t>>();
      if (windows.size() != kPressureWindows) return std::nullopt;
      std::copy(windows.begin(), windows.end(), r.pressure_windows_ms);
      for (const auto& [name, counts] : kPressureCounts) {
        const auto n = p->at(name).get<std::vector<std::uint32_t>>();
        if (n.size() != kPressureWindows) return std::nullopt;
        std::copy(n.begin(), n.end(), x.pressure.*counts);
      }
    }
    r.score.stability = j.at("stability").get<double>();
    r.score.crash_probability = j.at("crash_probability").get<double>();
    r.score.label = j.at("label").get<std::string>();
    r.score.model = j.at("model").get<std::string>();
    r.score.model_version = j.value("model_version", std::string());
    r.score.model_kind = j.value("model_kind", std::string());
    for (const auto& code : j.at("assumptions")) {
      const std::uint8_t bit = assumption_bit(code.get<std::string>());
      if (bit == 0) return std::nullopt;
      r.score.assumptions |= bit;
    }
    return r;
  } catch (const std::exception&) {  // nlohmann's, and integer_at's out_of_range
    return std::nullopt;
  }
}

std::string risk_mark_key(std::string_view prices_topic, std::int32_t partition) {
  std::string k(kRiskMarkKeyPrefix);
  k.append(prices_topic).append("/").append(std::to_string(partition));
  return k;
}

std::string encode_risk_mark(const RiskProgressMark& m) {
  JsonWriter w(128);
  w.begin_object();
  w.key("type").string("progress");
  w.key("topic").string(m.topic);
  w.key("partition").integer(m.partition);
  w.key("complete_through_ms").integer(m.complete_through);
  w.end_object();
  return w.take();
}

std::optional<RiskProgressMark> decode_risk_mark(std::string_view json) {
  const Json j = Json::parse(json, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  try {
    if (j.at("type").get<std::string>() != "progress") return std::nullopt;
    RiskProgressMark m;
    m.topic = j.at("topic").get<std::string>();
    m.partition = integer_at<std::int32_t>(j, "partition");
    m.complete_through = integer_at<TimestampMs>(j, "complete_through_ms");
    if (m.partition < 0) return std::nullopt;
    return m;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace spotstream
