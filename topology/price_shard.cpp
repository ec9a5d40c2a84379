#include "topology/price_shard.hpp"

namespace spotstream {

PriceShard::PriceShard(const Config& cfg, std::shared_ptr<const ScoringContext> scoring,
                       std::shared_ptr<ModelWatcher> watcher, RiskTable* table, ProcessMetrics& metrics,
                       PricePath::RecordSink records)
    : prices_topic_(cfg.get_string("topics.prices")),
      lateness_(cfg.get_int("window.allowed_lateness_ms")),
      // Published and replayed records alike feed a local table (a warm start rebuilds it).
      prices_(cfg, nullptr, metrics, std::move(scoring),
              table || records ? PricePath::RecordSink([this, records](const RiskRecord& r, bool replayed) {
                if (feeder_) feeder_->update(r);
                if (records) records(r, replayed);
              })
                               : PricePath::RecordSink{},
              !records),
      pressure_(PressureSettings::from(cfg)),
      watcher_(std::move(watcher)),
      stalled_feeds_(metrics.stalled_feeds),
      pools_(metrics.pools) {
  if (table) feeder_ = table->add_feeder();
}

void PriceShard::on_event(const Event& event, const EventContext& ctx, OutputCollector& out) {
  if (const auto* t = std::get_if<PriceTick>(&event)) {
    auto& state = price_state(ctx.partition);
    prices_(*t, ctx, state, out, ahead_for(event));
    // A tick of a partition known stalled (held back until now): its pool is marked at once, in
    // the tick's own input batch, so no progress mark can tell decisions of that time before.
    if (!stalled_.empty() && !ctx.replay)
      for (const auto& [partition, marked_at] : stalled_)
        if (partition == ctx.partition) prices_.mark_stale(state, marked_at, out);
  } else if (const auto* s = std::get_if<Signal>(&event)) pressure_.on_signal(*s);
  else pressure_.on_fleet(std::get<FleetEvent>(event));
}

void PriceShard::look_ahead(const Event& next, const EventContext& ctx) {
  if (const auto* t = std::get_if<PriceTick>(&next)) {
    auto& slot = ahead_[ahead_turn_ ^= 1];
    slot.event = &next;
    slot.ref = prices_.look_ahead(*t, price_state(ctx.partition));
  }
}

void PriceShard::on_revoked(const std::vector<PartitionKey>& parts) {
  ahead_ = {};
  for (const auto& [topic, partition] : parts)
    if (topic == prices_topic_ && partition >= 0 && static_cast<std::size_t>(partition) < price_states_.size()) {
      auto& state = price_states_[static_cast<std::size_t>(partition)];
      if (state) pools_.add(-static_cast<std::int64_t>(state->pools.size()));
      state.reset();
    }
}

void PriceShard::on_progress(const EventContext& ctx, OutputCollector& out) {
  if (ctx.wm.stalled_generation != stalled_generation_ || !stalled_.empty()) mark_stalled(ctx, out);
  // Every tick this shard will still see is at or after the prices' progress minus the allowed
  // lateness (the source dead-letters older ones; a partition read to its end holds nothing
  // back), and so is every record it will still publish.
  if (ctx.wm.prices_progress == Watermarks::kMin) return;
  if (feeder_) feeder_->advance(ctx.wm.prices_progress - lateness_ - 1);
  // So are the times those ticks are scored at: signals older than the long window before them
  // count no more.
  if (!pressure_.empty()) pressure_.forget_before(ctx.wm.prices_progress - lateness_ - pressure_.settings().windows_ms[kPressureWindows - 1]);
}

// The pools of a price partition found stalled get a stale record, once per stall; those of a
// partition that resumed publish their next record from their first tick after the stale one.
// Looked at on every progress mark while some partition is stalled, not only when the set changes:
// ticks of the partition may still reach the shard after (held for the fleet and signals inputs).
void PriceShard::mark_stalled(const EventContext& ctx, OutputCollector& out) {
  if (ctx.wm.stalled_generation != stalled_generation_) {
    stalled_generation_ = ctx.wm.stalled_generation;
    stalled_.clear();
    for (const auto& feed : stalled_feeds_.snapshot().feeds)
      if (feed.partition.first == prices_topic_ && feed.partition.second >= 0)
        stalled_.emplace_back(feed.partition.second, feed.marked_at);
  }
  if (ctx.replay) return;
  for (const auto& [partition, marked_at] : stalled_)
    if (static_cast<std::size_t>(partition) < price_states_.size())
      if (auto& state = price_states_[static_cast<std::size_t>(partition)]) prices_.mark_stale(*state, marked_at, out);
}

PriceState& PriceShard::price_state(std::int32_t partition) {
  const auto i = static_cast<std::size_t>(std::max(partition, 0));
  if (i >= price_states_.size()) price_states_.resize(i + 1);
  if (!price_states_[i]) {
    price_states_[i] = std::make_unique<PriceState>();
    price_states_[i]->pressure = &pressure_;
  }
  return *price_states_[i];
}

const PricePath::PoolRef* PriceShard::ahead_for(const Event& e) {
  for (auto& a : ahead_)
    if (a.event == &e) {
      a.event = nullptr;
      return &a.ref;
    }
  return nullptr;
}

}  // namespace spotstream
