#include "topology/decision_services.hpp"

#include <spdlog/spdlog.h>

namespace spotstream {

namespace {
std::shared_ptr<const SpotAdvisor> load_advisor(const Config& cfg) {
  const auto& path = cfg.get_string("risk.spot_advisor_file");
  if (path.empty()) return nullptr;
  auto advisor = std::make_shared<const SpotAdvisor>(SpotAdvisor::load_file(path));
  spdlog::info("Spot Advisor: {} entries from {}", advisor->size(), path);
  return advisor;
}
}  // namespace

DecisionServices::DecisionServices(const Config& cfg)
    : settings(DecisionSettings::from(cfg)),
      advisor(load_advisor(cfg)),
      table(settings.instant_ms),
      engine(settings, advisor.get(), table) {}

}  // namespace spotstream
