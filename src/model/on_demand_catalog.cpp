#include "src/model/on_demand_catalog.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace spotstream {

// The shipped file's text (generated from data/on-demand-prices.json by cmake/embed_data.cmake).
extern const char* const kOnDemandCatalogJson;

namespace {

using Json = nlohmann::ordered_json;

double positive_number(const Json& v, const std::string& what) {
  if (!v.is_number() || !(v.get<double>() > 0) || !std::isfinite(v.get<double>()))
    throw std::runtime_error(what + " must be a positive number");
  return v.get<double>();
}

}  // namespace

OnDemandCatalog OnDemandCatalog::parse(std::string_view text) {
  const Json j = Json::parse(text, nullptr, false);
  if (!j.is_object()) throw std::runtime_error("not a JSON object");
  if (!j.contains("instance_types") || !j["instance_types"].is_object() || !j.contains("prices") ||
      !j["prices"].is_object())
    throw std::runtime_error("needs \"instance_types\" and \"prices\" objects (see data/on-demand-prices.json)");
  OnDemandCatalog c;
  c.source_ = j.value("source", "");
  c.as_of_ = j.value("as_of", "");
  for (const auto& [type, hw] : j["instance_types"].items()) {
    if (!hw.is_object() || !hw.contains("family") || !hw["family"].is_string())
      throw std::runtime_error("instance type " + type + " needs a \"family\"");
    InstanceSpec s{type, hw["family"], hw.value("arch", "x86_64"), positive_number(hw.value("vcpu", Json()), type + " vcpu"),
                   positive_number(hw.value("memory_gib", Json()), type + " memory_gib")};
    c.by_type_[type] = c.types_.size();
    c.types_.push_back(std::move(s));
  }
  for (const auto& [region, prices] : j["prices"].items()) {
    if (!prices.is_object()) throw std::runtime_error("prices of " + region + " must be an object");
    for (const auto& [type, usd] : prices.items()) {
      if (!c.by_type_.count(type)) throw std::runtime_error(region + " prices " + type + ", which has no hardware entry");
      c.prices_[region][type] = positive_number(usd, region + " " + type);
    }
  }
  if (c.prices() == 0) throw std::runtime_error("holds no price");
  return c;
}

OnDemandCatalog OnDemandCatalog::load_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  try {
    return parse(s.str());
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(path.string() + ": " + e.what());
  }
}

std::shared_ptr<const OnDemandCatalog> OnDemandCatalog::builtin() {
  static const auto shipped = std::make_shared<const OnDemandCatalog>(parse(kOnDemandCatalogJson));
  return shipped;
}

std::optional<double> OnDemandCatalog::price(std::string_view region, std::string_view instance_type) const {
  const auto r = prices_.find(region);
  if (r == prices_.end()) return std::nullopt;
  const auto t = r->second.find(instance_type);
  if (t == r->second.end()) return std::nullopt;
  return t->second;
}

const InstanceSpec* OnDemandCatalog::find(std::string_view instance_type) const {
  const auto it = by_type_.find(instance_type);
  return it == by_type_.end() ? nullptr : &types_[it->second];
}

std::vector<InstanceSpec> OnDemandCatalog::family_sizes(std::string_view family) const {
  std::vector<InstanceSpec> out;
  for (const auto& s : types_)
    if (s.family == family) out.push_back(s);
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.vcpu < b.vcpu; });
  return out;
}

std::vector<std::string> OnDemandCatalog::families() const {
  std::vector<std::string> out;
  for (const auto& s : types_)
    if (std::find(out.begin(), out.end(), s.family) == out.end()) out.push_back(s.family);
  return out;
}

std::vector<std::string> OnDemandCatalog::regions() const {
  std::vector<std::string> out;
  for (const auto& [region, _] : prices_) out.push_back(region);
  return out;
}

std::size_t OnDemandCatalog::prices() const {
  std::size_t n = 0;
  for (const auto& [_, types] : prices_) n += types.size();
  return n;
}

}  // namespace spotstream
