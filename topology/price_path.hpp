#pragma once
//! The price path of a shard: tick -> pool window -> family stress and features -> risk model
//! -> spot.risk when it changes materially. Stateless operators; the state is the shard's
//! PriceState. Called only from its shard's thread. The risk model and the Spot Advisor data come
//! from a ScoringContext shared by the shards, so a reloaded model is picked up at the next tick.
#include <functional>
#include <memory>
#include <optional>

#include "operators/price/feature_builder.hpp"
#include "operators/price/pool_window.hpp"
#include "operators/price/price_state.hpp"
#include "operators/price/risk_emission.hpp"
#include "src/config/config.hpp"
#include "src/model/scoring_context.hpp"
#include "src/model/spot_advisor.hpp"
#include "topology/process_metrics.hpp"
#include "src/runtime/shard_logic.hpp"

namespace spotstream {

class PricePath {
 public:
  //! Where a tick's pool lives in a PriceState, found ahead of the tick (look_ahead()).
  struct PoolRef {
    FamilyStressState::Group* group = nullptr;
    std::size_t member = 0;
    PoolState* pool = nullptr;  //!< null: not found (a new pool), or not looked up
    std::uint64_t shape = 0;    //!< PriceState::shape when found
  };
  //! Called with each record published on spot.risk, and with each record a replayed tick rebuilds
  //! (`replayed`; not published): both feed the replicated risk table. Without one, replayed ticks
  //! build no record at all (a warm start only rebuilds state).
  using RecordSink = std::function<void(const RiskRecord&, bool replayed)>;
  //! Model and Spot Advisor data from `scoring`, shared with the other shards and the reload thread.
  //! Without `scoring`: the built-in heuristic with a fixed `advisor` (may be null: bands unknown).
  //! `on_record` may be empty. `publish` false: records go to `on_record` only, not to spot.risk (an
  //! in-process replay that reads the scores directly); a stalled feed then gets no stale record.
  PricePath(const Config& cfg, std::shared_ptr<const SpotAdvisor> advisor, ProcessMetrics& metrics,
            std::shared_ptr<const ScoringContext> scoring = nullptr, RecordSink on_record = {}, bool publish = true);
  //! `ahead`: from look_ahead() for this tick, or null.
  void operator()(const PriceTick& tick, const EventContext& ctx, PriceState& state, OutputCollector& out,
                  const PoolRef* ahead = nullptr) const;
  //! The arithmetic of one tick: window, family stress, features, score and the emission decision.
  //! Returns the record when it is to be published; `outcome` says whether the window took the tick.
  //! `pool`, if given, is set to the tick's pool state when a record is returned.
  std::optional<RiskRecord> score(const PriceTick& tick, PriceState& state, TickOutcome& outcome,
                                  const PoolRef* ahead = nullptr, PoolState** pool = nullptr) const;

  //! The feed of `state` (a price partition) stalled, as the other partitions had reached `at`:
  //! publishes each of its pools' last record again, stamped `at` and marked stale, once (a pool
  //! whose feed resumes publishes its next record from its first tick at or after `at`).
  void mark_stale(PriceState& state, TimestampMs at, OutputCollector& out) const;

  //! Finds the tick's pool without creating anything and starts fetching its window state from
  //! memory. A shard calls it for its next tick before it processes the current one, so the
  //! fetch overlaps that work (with many pools, a tick's state is rarely in cache); the result is
  //! then passed to the next tick's features()/score()/operator().
  PoolRef look_ahead(const PriceTick& tick, PriceState& state) const;

  //! What score() computes before the model: the tick's pool (found or created), its window after
  //! the tick, and the tick's features (family stress updated).
  struct TickFeatures {
    PoolState* pool;
    WindowStats stats;
    Features features;
  };
  //! The first stage of score(): null when the window did not take the tick (`outcome` says why).
  std::optional<TickFeatures> features(const PriceTick& tick, PriceState& state, TickOutcome& outcome,
                                       const PoolRef* ahead = nullptr) const;

  static WindowSettings window_settings(const Config& cfg);

 private:
  //! The model's score of `t` and whether it is to be published (then the pool's emission state
  //! becomes it): the part of score() that state depends on.
  bool emits(const TickFeatures& t, PriceState& state, RiskScore& s) const;
  //! Whether `state` has a window for the tick's pool already.
  static bool holds(const PriceTick& tick, std::uint64_t hash, PriceState& state);
  void dead_letter(const PriceTick& tick, const EventContext& ctx, const char* reason, std::string detail,
                   OutputCollector& out) const;
  std::shared_ptr<const ScoringContext> scoring_;
  ProcessMetrics& metrics_;
  std::string prices_topic_;
  std::size_t dlq_payload_max_;
  std::int64_t max_pools_;
  TimestampMs window_ms_;
  PressureSettings pressure_;
  PoolWindow window_;
  FeatureBuilder features_;
  RiskEmission emission_;
  RecordSink on_record_;
  bool publish_;
};

}  // namespace spotstream
