// spot.risk records <-> JSON (declared in json_encoder.hpp with the other record codecs).
#include <cmath>

#include "src/codec/json_detail.hpp"
#include "src/codec/json_encoder.hpp"
#include "src/core/time.hpp"

namespace spotstream {

using codec_json::dump;
using codec_json::Json;

namespace {

// The numeric features of a risk record, by their DESIGN.md names, in the order they are written.
struct DoubleFeature {
  const char* name;
  double Features::*field;
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

// NaN (and the infinities JSON cannot hold) as null.
Json number_or_null(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

}  // namespace

std::string encode_risk_record(const RiskRecord& r) {
  Json j;
  j["pool"] = r.pool;
  for (auto [name, field] : {std::pair{"region", &r.region}, {"az", &r.az}, {"instance_type", &r.instance_type},
                             {"product", &r.product}, {"family", &r.family}})
    j[name] = *field;
  j["ts"] = format_iso8601(r.ts);
  j["ts_ms"] = r.ts;
  Json f;
  const Features& x = r.features;
  for (const auto& d : kDoubleFeatures) f[d.name] = number_or_null(x.*d.field);
  f["on_demand_source"] = x.on_demand_source;
  f["family_pools"] = x.family_pools;
  f["is_weekend"] = x.is_weekend;
  f["is_business_hours"] = x.is_business_hours;
  f["ticks_in_window"] = x.ticks_in_window;
  j["features"] = std::move(f);
  if (x.advisor_band >= 0)
    j["band"] = {{"index", x.advisor_band}, {"label", x.advisor_band_label}, {"savings_pct", x.advisor_savings_pct}};
  else
    j["band"] = nullptr;
  j["stability"] = r.score.stability;
  j["crash_probability"] = r.score.crash_probability;
  j["label"] = r.score.label;
  j["model"] = r.score.model;
  auto& assumed = j["assumptions"] = Json::array();
  for (const auto code : assumption_codes(r.score.assumptions)) assumed.push_back(code);
  return dump(j);
}

std::optional<RiskRecord> decode_risk_record(std::string_view json) {
  const Json j = Json::parse(json, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  try {
    RiskRecord r;
    for (auto [field, name] : {std::pair{&r.pool, "pool"}, {&r.region, "region"}, {&r.az, "az"},
                               {&r.instance_type, "instance_type"}, {&r.product, "product"}, {&r.family, "family"}})
      *field = j.at(name).get<std::string>();
    r.ts = j.at("ts_ms").get<TimestampMs>();
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
    x.family_pools = f.at("family_pools").get<std::uint32_t>();
    x.is_weekend = f.at("is_weekend").get<bool>();
    x.is_business_hours = f.at("is_business_hours").get<bool>();
    x.ticks_in_window = f.at("ticks_in_window").get<std::uint32_t>();
    if (const Json& band = j.at("band"); !band.is_null()) {
      x.advisor_band = band.at("index").get<int>();
      x.advisor_band_label = band.at("label").get<std::string>();
      x.advisor_savings_pct = band.at("savings_pct").get<int>();
    }
    r.score.stability = j.at("stability").get<double>();
    r.score.crash_probability = j.at("crash_probability").get<double>();
    r.score.label = j.at("label").get<std::string>();
    r.score.model = j.at("model").get<std::string>();
    for (const auto& code : j.at("assumptions")) {
      const std::uint8_t bit = assumption_bit(code.get<std::string>());
      if (bit == 0) return std::nullopt;
      r.score.assumptions |= bit;
    }
    return r;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

}  // namespace spotstream
