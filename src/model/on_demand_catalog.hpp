#pragma once
//! The on-demand price catalogue: per region and instance type, the Linux/UNIX on-demand price of
//! the whole instance (USD per hour), and the hardware of each type (family, arch, vCPUs, memory).
//! The project ships one (data/on-demand-prices.json, compiled in as the default, with its source
//! and date); `catalog.on_demand_file` replaces it with the user's, in the same format, and the
//! reload thread (model_watcher) swaps a changed file in live. A tick's own on_demand_price always
//! wins over the catalogue. Immutable once loaded: shared read-only by every thread.
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "src/core/hash.hpp"

namespace spotstream {

//! Hardware of one instance type.
struct InstanceSpec {
  std::string type;    //!< "c5.xlarge"
  std::string family;  //!< "c5"
  std::string arch;    //!< "x86_64" or "arm64"
  double vcpu = 0;
  double memory_gib = 0;
};

class OnDemandCatalog {
 public:
  //! Parses the catalogue format; throws std::runtime_error naming what is wrong (not JSON, a
  //! type without hardware, a price that is not a positive number, no price at all).
  static OnDemandCatalog parse(std::string_view json_text);
  static OnDemandCatalog load_file(const std::filesystem::path& path);
  //! The catalogue shipped with the project (data/on-demand-prices.json, compiled in).
  static std::shared_ptr<const OnDemandCatalog> builtin();

  //! On-demand price of one whole instance, USD per hour; nullopt when the region or type is not in it.
  std::optional<double> price(std::string_view region, std::string_view instance_type) const;
  //! The hardware of a type, or nullptr when the catalogue does not know it (valid as long as this).
  const InstanceSpec* find(std::string_view instance_type) const;
  //! The sizes of one family, smallest first (empty when unknown).
  std::vector<InstanceSpec> family_sizes(std::string_view family) const;
  //! Families in the file's order.
  std::vector<std::string> families() const;
  std::vector<std::string> regions() const;
  std::size_t prices() const;  //!< (region, type) prices held
  const std::string& source() const { return source_; }
  const std::string& as_of() const { return as_of_; }

 private:
  std::string source_, as_of_;
  std::vector<InstanceSpec> types_;  //!< file order
  std::unordered_map<std::string, std::size_t, StringKeyHash, std::equal_to<>> by_type_;  //!< looked up per candidate pool
  std::map<std::string, std::map<std::string, double, std::less<>>, std::less<>> prices_;  //!< region -> type -> USD/h
};

}  // namespace spotstream
