#include "src/model/scoring_context.hpp"

#include "src/model/model_loader.hpp"
#include "src/model/spot_advisor.hpp"

namespace spotstream {

ScoringContext::ScoringContext(std::shared_ptr<const RiskModel> model, std::shared_ptr<const SpotAdvisor> advisor,
                               std::shared_ptr<const OnDemandCatalog> on_demand)
    : model_(model ? std::move(model) : builtin_model()),
      advisor_(std::move(advisor)),
      on_demand_(on_demand ? std::move(on_demand) : OnDemandCatalog::builtin()) {}

ScoringContext::Snapshot ScoringContext::snapshot() const {
  std::lock_guard lock(mu_);
  return {generation_.load(std::memory_order_relaxed), model_, advisor_, on_demand_};
}

void ScoringContext::publish_model(std::shared_ptr<const RiskModel> model) {
  std::lock_guard lock(mu_);
  model_ = model ? std::move(model) : builtin_model();
  generation_.fetch_add(1, std::memory_order_relaxed);
}

void ScoringContext::publish_advisor(std::shared_ptr<const SpotAdvisor> advisor) {
  std::lock_guard lock(mu_);
  advisor_ = std::move(advisor);
  generation_.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace spotstream

namespace spotstream {

void ScoringContext::publish_on_demand(std::shared_ptr<const OnDemandCatalog> on_demand) {
  std::lock_guard lock(mu_);
  on_demand_ = on_demand ? std::move(on_demand) : OnDemandCatalog::builtin();
  generation_.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace spotstream
