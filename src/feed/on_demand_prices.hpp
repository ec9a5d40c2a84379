#pragma once
//! The static on-demand price table the project ships, with the hardware facts of the same types.
//! Small on purpose: the families the synthetic market and the demos use, in a few regions.
//! Prices are AWS's published Linux/UNIX on-demand rates (USD per hour, early 2025); AWS prices these
//! families linearly in vCPU count, so the table stores one rate per (region, family) and the
//! lookup multiplies, which keeps the table short and makes a wrong row easy to spot.
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace spotstream {

//! Hardware of one instance type. Types of a family are listed smallest first.
struct InstanceSpec {
  std::string_view type;    //!< "c5.xlarge"
  std::string_view family;  //!< "c5"
  std::string_view arch;    //!< "x86_64" or "arm64"
  double vcpu = 0;
  double memory_gib = 0;
};

//! Every instance type in the table, grouped by family, each family's sizes in ascending order.
std::span<const InstanceSpec> instance_catalog();

//! The hardware of a type, or nullptr when the table does not know it.
const InstanceSpec* find_instance(std::string_view instance_type);

//! The sizes of one family, smallest first (empty when unknown).
std::vector<InstanceSpec> family_sizes(std::string_view family);

//! Families in catalog order: c5, m5, m6i, r5, m6g, p3.
std::vector<std::string> catalog_families();

//! Regions the price table covers.
std::vector<std::string> on_demand_regions();

//! Linux/UNIX on-demand price in USD per hour, rounded to 0.0001 as AWS publishes it; nullopt when
//! the region or type is not in the table.
std::optional<double> on_demand_price(std::string_view region, std::string_view instance_type);

}  // namespace spotstream
