#include "src/feed/on_demand_prices.hpp"

#include <array>
#include <cmath>

namespace spotstream {
namespace {

// vCPU and memory as in AWS's instance type pages (and the Spot Advisor data file). Metal sizes are
// left out: they duplicate the largest virtual size and are rarely run as spot.
constexpr std::array<InstanceSpec, 47> kCatalog{{
    {"c5.large", "c5", "x86_64", 2, 4},
    {"c5.xlarge", "c5", "x86_64", 4, 8},
    {"c5.2xlarge", "c5", "x86_64", 8, 16},
    {"c5.4xlarge", "c5", "x86_64", 16, 32},
    {"c5.9xlarge", "c5", "x86_64", 36, 72},
    {"c5.12xlarge", "c5", "x86_64", 48, 96},
    {"c5.18xlarge", "c5", "x86_64", 72, 144},
    {"c5.24xlarge", "c5", "x86_64", 96, 192},
    {"m5.large", "m5", "x86_64", 2, 8},
    {"m5.xlarge", "m5", "x86_64", 4, 16},
    {"m5.2xlarge", "m5", "x86_64", 8, 32},
    {"m5.4xlarge", "m5", "x86_64", 16, 64},
    {"m5.8xlarge", "m5", "x86_64", 32, 128},
    {"m5.12xlarge", "m5", "x86_64", 48, 192},
    {"m5.16xlarge", "m5", "x86_64", 64, 256},
    {"m5.24xlarge", "m5", "x86_64", 96, 384},
    {"m6i.large", "m6i", "x86_64", 2, 8},
    {"m6i.xlarge", "m6i", "x86_64", 4, 16},
    {"m6i.2xlarge", "m6i", "x86_64", 8, 32},
    {"m6i.4xlarge", "m6i", "x86_64", 16, 64},
    {"m6i.8xlarge", "m6i", "x86_64", 32, 128},
    {"m6i.12xlarge", "m6i", "x86_64", 48, 192},
    {"m6i.16xlarge", "m6i", "x86_64", 64, 256},
    {"m6i.24xlarge", "m6i", "x86_64", 96, 384},
    {"m6i.32xlarge", "m6i", "x86_64", 128, 512},
    {"r5.large", "r5", "x86_64", 2, 16},
    {"r5.xlarge", "r5", "x86_64", 4, 32},
    {"r5.2xlarge", "r5", "x86_64", 8, 64},
    {"r5.4xlarge", "r5", "x86_64", 16, 128},
    {"r5.8xlarge", "r5", "x86_64", 32, 256},
    {"r5.12xlarge", "r5", "x86_64", 48, 384},
    {"r5.16xlarge", "r5", "x86_64", 64, 512},
    {"r5.24xlarge", "r5", "x86_64", 96, 768},
    {"m6g.medium", "m6g", "arm64", 1, 4},
    {"m6g.large", "m6g", "arm64", 2, 8},
    {"m6g.xlarge", "m6g", "arm64", 4, 16},
    {"m6g.2xlarge", "m6g", "arm64", 8, 32},
    {"m6g.4xlarge", "m6g", "arm64", 16, 64},
    {"m6g.8xlarge", "m6g", "arm64", 32, 128},
    {"m6g.12xlarge", "m6g", "arm64", 48, 192},
    {"m6g.16xlarge", "m6g", "arm64", 64, 256},
    {"p2.xlarge", "p2", "x86_64", 4, 61},
    {"p2.8xlarge", "p2", "x86_64", 32, 488},
    {"p2.16xlarge", "p2", "x86_64", 64, 732},
    {"p3.2xlarge", "p3", "x86_64", 8, 61},
    {"p3.8xlarge", "p3", "x86_64", 32, 244},
    {"p3.16xlarge", "p3", "x86_64", 64, 488},
}};

struct FamilyRate {
  std::string_view region;
  std::string_view family;
  double usd_per_vcpu_hour;  // e.g. c5.large in us-east-1 = 2 x 0.0425 = 0.085
};

// us-west-2 matches us-east-1 for every family here; eu-west-1 is 10-13% dearer.
constexpr std::array<FamilyRate, 21> kRates{{
    {"us-east-1", "c5", 0.0425},     // c5.large 0.085
    {"us-east-1", "m5", 0.048},      // m5.large 0.096
    {"us-east-1", "m6i", 0.048},     // m6i.large 0.096
    {"us-east-1", "r5", 0.063},      // r5.large 0.126
    {"us-east-1", "m6g", 0.0385},    // m6g.medium 0.0385
    {"us-east-1", "p2", 0.225},      // p2.xlarge 0.90, p2.16xlarge 14.40
    {"us-east-1", "p3", 0.3825},     // p3.2xlarge 3.06
    {"us-west-2", "c5", 0.0425},     // c5.large 0.085
    {"us-west-2", "m5", 0.048},      // m5.large 0.096
    {"us-west-2", "m6i", 0.048},     // m6i.large 0.096
    {"us-west-2", "r5", 0.063},      // r5.large 0.126
    {"us-west-2", "m6g", 0.0385},    // m6g.medium 0.0385
    {"us-west-2", "p2", 0.225},      // p2.xlarge 0.90
    {"us-west-2", "p3", 0.3825},     // p3.2xlarge 3.06
    {"eu-west-1", "c5", 0.048},      // c5.large 0.096
    {"eu-west-1", "m5", 0.0535},     // m5.large 0.107
    {"eu-west-1", "m6i", 0.0535},    // m6i.large 0.107
    {"eu-west-1", "r5", 0.0705},     // r5.large 0.141
    {"eu-west-1", "m6g", 0.043},     // m6g.medium 0.043
    {"eu-west-1", "p2", 0.243},      // p2.xlarge 0.972
    {"eu-west-1", "p3", 0.413125},   // p3.2xlarge 3.305, p3.16xlarge 26.44
}};

}  // namespace

std::span<const InstanceSpec> instance_catalog() { return kCatalog; }

const InstanceSpec* find_instance(std::string_view instance_type) {
  for (const auto& s : kCatalog)
    if (s.type == instance_type) return &s;
  return nullptr;
}

std::vector<InstanceSpec> family_sizes(std::string_view family) {
  std::vector<InstanceSpec> out;
  for (const auto& s : kCatalog)
    if (s.family == family) out.push_back(s);
  return out;
}

std::vector<std::string> catalog_families() {
  std::vector<std::string> out;
  for (const auto& s : kCatalog)
    if (out.empty() || out.back() != s.family) out.emplace_back(s.family);
  return out;
}

std::vector<std::string> on_demand_regions() {
  std::vector<std::string> out;
  for (const auto& r : kRates)
    if (out.empty() || out.back() != r.region) out.emplace_back(r.region);
  return out;
}

std::optional<double> on_demand_price(std::string_view region, std::string_view instance_type) {
  const InstanceSpec* spec = find_instance(instance_type);
  if (!spec) return std::nullopt;
  for (const auto& r : kRates)
    if (r.region == region && r.family == spec->family)
      // Rounded to the 4 decimals AWS publishes, so 36 x 0.0425 prints as 1.53, not 1.5300000001.
      return std::round(spec->vcpu * r.usd_per_vcpu_hour * 1e4) / 1e4;
  return std::nullopt;
}

}  // namespace spotstream
