#pragma once
//! What scoring reads that can change while the stream runs: the risk model and the Spot Advisor
//! data. One ScoringContext is shared by every shard of a process; the reload thread
//! (model_watcher.hpp) publishes whole new objects, never changing one in place.
//!
//! Readers never touch a shared_ptr per tick: each shard keeps a ScoringCache (its own copies of the
//! shared_ptrs, and raw pointers for the hot path) and compares one relaxed atomic generation
//! counter per tick; only when it moved does the shard take the lock and copy the new pointers. A
//! swap therefore takes effect between two ticks of a shard: every tick is scored by exactly one
//! model, and the old model is freed when the last shard has moved on.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "src/model/on_demand_catalog.hpp"
#include "src/model/risk_model.hpp"

namespace spotstream {

class SpotAdvisor;

class ScoringContext {
 public:
  //! `model` null: the built-in heuristic. `advisor` may be null (bands unknown). `on_demand`
  //! null: the catalogue shipped with the project.
  explicit ScoringContext(std::shared_ptr<const RiskModel> model = nullptr,
                          std::shared_ptr<const SpotAdvisor> advisor = nullptr,
                          std::shared_ptr<const OnDemandCatalog> on_demand = nullptr);

  //! Bumped by every publish. Relaxed: the lock in snapshot() orders what it guards.
  std::uint64_t generation() const noexcept { return generation_.load(std::memory_order_relaxed); }

  struct Snapshot {
    std::uint64_t generation = 0;
    std::shared_ptr<const RiskModel> model;
    std::shared_ptr<const SpotAdvisor> advisor;
    std::shared_ptr<const OnDemandCatalog> on_demand;  //!< never null
  };
  Snapshot snapshot() const;

  //! Any thread. The object must be fully built and validated: it is live at the next tick.
  void publish_model(std::shared_ptr<const RiskModel> model);
  void publish_advisor(std::shared_ptr<const SpotAdvisor> advisor);
  void publish_on_demand(std::shared_ptr<const OnDemandCatalog> on_demand);

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const RiskModel> model_;
  std::shared_ptr<const SpotAdvisor> advisor_;
  std::shared_ptr<const OnDemandCatalog> on_demand_;
  std::atomic<std::uint64_t> generation_{1};
};

//! A shard's view of a ScoringContext. Owned by one shard thread.
struct ScoringCache {
  std::uint64_t generation = 0;  //!< 0: never refreshed
  const RiskModel* model = nullptr;
  const SpotAdvisor* advisor = nullptr;
  const OnDemandCatalog* on_demand = nullptr;
  //! Set by refresh() when the advisor or the on-demand catalogue differs from before (what a pool
  //! resolves once from them must be resolved again).
  bool advisor_changed = false;

  //! True when the context moved since the last call (then model/advisor are current).
  bool refresh(const ScoringContext& ctx) {
    if (ctx.generation() == generation) return false;
    auto s = ctx.snapshot();
    generation = s.generation;
    advisor_changed = s.advisor.get() != advisor || s.on_demand.get() != on_demand;
    owned_model_ = std::move(s.model);
    owned_advisor_ = std::move(s.advisor);
    owned_on_demand_ = std::move(s.on_demand);
    model = owned_model_.get();
    advisor = owned_advisor_.get();
    on_demand = owned_on_demand_.get();
    return true;
  }

 private:
  std::shared_ptr<const RiskModel> owned_model_;
  std::shared_ptr<const SpotAdvisor> owned_advisor_;
  std::shared_ptr<const OnDemandCatalog> owned_on_demand_;
};

}  // namespace spotstream
