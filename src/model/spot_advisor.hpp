#pragma once
//! AWS Spot Instance Advisor data (`spot-advisor-data.json`, the file behind the Spot Advisor page):
//! per region, OS and instance type, the publicly known interruption-frequency band (`r`, an index
//! into `ranges`: <5%, 5-10%, 10-15%, 15-20%, >20%) and the savings over on-demand (`s`, percent).
//! Also the instance metadata of `instance_types` (cores, ram_gb, emr). Immutable once loaded and
//! shared read-only by every shard; a changed file is loaded anew and swapped in by the reload
//! thread (src/model/model_watcher.hpp), never edited in place.
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "src/core/hash.hpp"

namespace spotstream {

//! One Spot Advisor entry.
struct AdvisorEntry {
  int band = 0;             //!< interruption band index, 0 (<5%) .. 4 (>20%)
  std::string band_label;   //!< the band's label from the file's `ranges`, e.g. "<5%"
  int savings_pct = 0;      //!< savings over on-demand, percent
};

//! Hardware of one instance type, from the file's `instance_types`.
struct InstanceInfo {
  double cores = 0;   //!< vCPUs, as the advisor calls them
  double ram_gb = 0;
  bool emr = false;   //!< offered for EMR
};

class SpotAdvisor {
 public:
  //! Reads the file; throws std::runtime_error when it cannot be read or is not an advisor file
  //! (no `ranges` or `spot_advisor` object). Entries that are `null`, lack `r`/`s`, or name a band
  //! the `ranges` do not define are skipped (lookups for them give nullopt).
  static SpotAdvisor load_file(const std::filesystem::path& path);
  //! The same from the file's text.
  static SpotAdvisor parse(std::string_view json_text);

  //! The entry for (region, os, instance_type), os as the file spells it ("Linux", "Windows");
  //! nullopt for unknown regions, OSes, types and skipped entries.
  std::optional<AdvisorEntry> lookup(std::string_view region, std::string_view os,
                                     std::string_view instance_type) const;
  //! Hardware of an instance type; nullopt for types the file does not describe (or describes with
  //! null or non-numeric cores/ram_gb).
  std::optional<InstanceInfo> instance(std::string_view instance_type) const;
  //! How many instance types have metadata.
  std::size_t instance_count() const { return instances_.size(); }
  //! The band labels in index order, as the file's `ranges` give them.
  const std::vector<std::string>& band_labels() const { return labels_; }
  //! How many entries were loaded (all regions and OSes).
  std::size_t size() const { return size_; }

  //! The advisor OS of an EC2 product description: "Linux/UNIX..." -> "Linux", "Windows..." ->
  //! "Windows"; nullopt for products the advisor does not cover (RHEL, SUSE, ...).
  static std::optional<std::string_view> os_of_product(std::string_view product);

 private:
  struct Raw {
    int band;
    int savings_pct;
  };
  using Types = std::map<std::string, Raw, std::less<>>;
  std::map<std::string, std::map<std::string, Types, std::less<>>, std::less<>> entries_;  // region -> os -> type
  std::vector<std::string> labels_;
  std::unordered_map<std::string, InstanceInfo, StringKeyHash, std::equal_to<>> instances_;  //!< looked up per candidate pool
  std::size_t size_ = 0;
};

}  // namespace spotstream
