#include "src/core/risk.hpp"

#include <utility>

namespace spotstream {

namespace {
constexpr std::pair<Assumption, std::string_view> kAssumptionCodes[] = {
    {kAssumeBandUnknown, "band_unknown"}, {kAssumeOnDemandAbsent, "on_demand_absent"}, {kAssumePriceUnknown, "price_unknown"},
    {kAssumeInstanceUnknown, "instance_unknown"}};
}  // namespace

std::vector<std::string_view> assumption_codes(std::uint8_t assumptions) {
  std::vector<std::string_view> codes;
  for (const auto& [bit, code] : kAssumptionCodes)
    if (assumptions & bit) codes.push_back(code);
  return codes;
}

std::uint8_t assumption_bit(std::string_view code) {
  for (const auto& [bit, code_of_bit] : kAssumptionCodes)
    if (code == code_of_bit) return bit;
  return 0;
}

}  // namespace spotstream
