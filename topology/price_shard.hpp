#pragma once
//! A price shard: the price path (window, family stress, features, the live risk model, spot.risk
//! emission) over the ticks routed to it, with its state kept per input partition (a revoked
//! partition's pools are dropped whole: a family's sizes share a partition, key <az>/<family>).
//! With a local risk table (decisions.risk_source=local) it feeds the table its records and tells
//! it how far they are complete. Fleet events and signals place AWS signals in pools for the
//! interruption pressure of the shard's pools (operators/price/pool_pressure).
//! Owned by its shard thread (on_revoked: the source thread, while the shard is idle).
#include <array>
#include <memory>
#include <optional>
#include <vector>

#include "operators/decision/risk_table.hpp"
#include "operators/price/price_state.hpp"
#include "src/config/config.hpp"
#include "src/model/model_watcher.hpp"
#include "src/runtime/shard_logic.hpp"
#include "topology/price_path.hpp"

namespace spotstream {

class PriceShard : public ShardLogic {
 public:
  //! `watcher`: the process's model reloader, shared by its shards (reloads stop with the last).
  //! `table`: the risk table this shard feeds, or null (none, or read from spot.risk).
  //! `records`: when set, each record goes to it (on this shard's thread) instead of spot.risk.
  PriceShard(const Config& cfg, std::shared_ptr<const ScoringContext> scoring, std::shared_ptr<ModelWatcher> watcher,
             RiskTable* table, ProcessMetrics& metrics, PricePath::RecordSink records = {});
  PriceShard(const PriceShard&) = delete;
  PriceShard& operator=(const PriceShard&) = delete;

  void on_event(const Event& event, const EventContext& ctx, OutputCollector& out) override;
  void look_ahead(const Event& next, const EventContext& ctx) override;
  void on_revoked(const std::vector<PartitionKey>& parts) override;
  void on_progress(const EventContext& ctx, OutputCollector& out) override;

 private:
  PriceState& price_state(std::int32_t partition);
  void mark_stalled(const EventContext& ctx, OutputCollector& out);
  const PricePath::PoolRef* ahead_for(const Event& e);

  std::string prices_topic_;
  TimestampMs lateness_;
  std::optional<RiskTable::Feeder> feeder_;
  std::vector<std::unique_ptr<PriceState>> price_states_;  //!< by input partition
  //! Pools found by look_ahead(), each for one event (by address), used once: two slots, the
  //! current event's and the next one's.
  struct Ahead {
    const Event* event = nullptr;
    PricePath::PoolRef ref;
  };
  std::array<Ahead, 2> ahead_{};
  unsigned ahead_turn_ = 0;
  PricePath prices_;
  PoolPressure pressure_;
  std::shared_ptr<ModelWatcher> watcher_;
  const StalledFeeds& stalled_feeds_;
  Gauge& pools_;  //!< the process's count (limits.max_pools): a revoked partition's pools leave it
  std::uint32_t stalled_generation_ = 0;
  std::vector<std::pair<std::int32_t, TimestampMs>> stalled_;  //!< stalled price partitions -> stale from
};

}  // namespace spotstream
