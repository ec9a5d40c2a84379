#include "src/model/spot_advisor.hpp"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace spotstream {

SpotAdvisor SpotAdvisor::load_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("spot advisor: cannot open " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str());
}

SpotAdvisor SpotAdvisor::parse(std::string_view json_text) {
  const auto doc = nlohmann::json::parse(json_text, nullptr, false);
  if (!doc.is_object() || !doc.contains("ranges") || !doc["ranges"].is_array() || !doc.contains("spot_advisor") ||
      !doc["spot_advisor"].is_object())
    throw std::runtime_error("spot advisor: not a spot-advisor-data.json document (needs 'ranges' and 'spot_advisor')");
  SpotAdvisor a;
  // `ranges` carries its own index; place labels by it rather than trusting array order.
  for (const auto& r : doc["ranges"]) {
    if (!r.is_object() || !r.contains("index") || !r["index"].is_number_integer() || !r.contains("label") ||
        !r["label"].is_string())
      throw std::runtime_error("spot advisor: malformed 'ranges' entry " + r.dump());
    const auto index = r["index"].get<int>();
    if (index < 0 || index > 100) throw std::runtime_error("spot advisor: range index out of bounds " + r.dump());
    if (a.labels_.size() <= static_cast<std::size_t>(index)) a.labels_.resize(static_cast<std::size_t>(index) + 1);
    a.labels_[static_cast<std::size_t>(index)] = r["label"].get<std::string>();
  }
  // instance_types is optional (older snapshots lack it); a null or partial entry is skipped.
  if (doc.contains("instance_types") && doc["instance_types"].is_object())
    for (const auto& [type, e] : doc["instance_types"].items()) {
      if (!e.is_object() || !e.contains("cores") || !e["cores"].is_number() || !e.contains("ram_gb") ||
          !e["ram_gb"].is_number())
        continue;
      InstanceInfo info{e["cores"].get<double>(), e["ram_gb"].get<double>(),
                        e.contains("emr") && e["emr"].is_boolean() && e["emr"].get<bool>()};
      if (!(info.cores > 0) || !(info.ram_gb > 0)) continue;
      a.instances_.emplace(type, info);
    }
  for (const auto& [region, oses] : doc["spot_advisor"].items()) {
    if (!oses.is_object()) continue;  // a null region: nothing known there
    for (const auto& [os, types] : oses.items()) {
      if (!types.is_object()) continue;
      Types& out = a.entries_[region][os];
      for (const auto& [type, e] : types.items()) {
        // Null entries exist in some snapshots: the advisor knows the type but has no figures.
        if (!e.is_object() || !e.contains("r") || !e.contains("s") || !e["r"].is_number_integer() ||
            !e["s"].is_number())
          continue;
        const int band = e["r"].get<int>();
        if (band < 0 || static_cast<std::size_t>(band) >= a.labels_.size() || a.labels_[static_cast<std::size_t>(band)].empty())
          continue;
        out.emplace(type, Raw{band, static_cast<int>(std::lround(e["s"].get<double>()))});
        ++a.size_;
      }
    }
  }
  return a;
}

std::optional<AdvisorEntry> SpotAdvisor::lookup(std::string_view region, std::string_view os,
                                                std::string_view instance_type) const {
  const auto r = entries_.find(region);
  if (r == entries_.end()) return std::nullopt;
  const auto o = r->second.find(os);
  if (o == r->second.end()) return std::nullopt;
  const auto t = o->second.find(instance_type);
  if (t == o->second.end()) return std::nullopt;
  return AdvisorEntry{t->second.band, labels_[static_cast<std::size_t>(t->second.band)], t->second.savings_pct};
}

std::optional<InstanceInfo> SpotAdvisor::instance(std::string_view instance_type) const {
  const auto it = instances_.find(instance_type);
  if (it == instances_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string_view> SpotAdvisor::os_of_product(std::string_view product) {
  if (product.starts_with("Linux/UNIX")) return "Linux";
  if (product.starts_with("Windows")) return "Windows";
  return std::nullopt;
}

}  // namespace spotstream
