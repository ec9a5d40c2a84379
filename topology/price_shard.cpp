#include "topology/price_shard.hpp"

namespace spotstream {

PriceShard::PriceShard(const Config& cfg, std::shared_ptr<const ScoringContext> scoring,
                       std::shared_ptr<ModelWatcher> watcher, RiskTable* table, ProcessMetrics& metrics)
    : prices_topic_(cfg.get_string("topics.prices")),
      lateness_(cfg.get_int("window.allowed_lateness_ms")),
      // Published and replayed records alike feed a local table (a warm start rebuilds it).
      prices_(cfg, nullptr, metrics, std::move(scoring),
              table ? PricePath::RecordSink([this](const RiskRecord& r, bool) { feeder_->update(r); })
                    : PricePath::RecordSink{}),
      pressure_(PressureSettings::from(cfg)),
      watcher_(std::move(watcher)) {
  if (table) feeder_ = table->add_feeder();
}

void PriceShard::on_event(const Event& event, const EventContext& ctx, OutputCollector& out) {
  if (const auto* t = std::get_if<PriceTick>(&event)) prices_(*t, ctx, price_state(ctx.partition), out, ahead_for(event));
  else if (const auto* s = std::get_if<Signal>(&event)) pressure_.on_signal(*s);
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
    if (topic == prices_topic_ && partition >= 0 && static_cast<std::size_t>(partition) < price_states_.size())
      price_states_[static_cast<std::size_t>(partition)].reset();
}

void PriceShard::on_progress(const EventContext& ctx, OutputCollector& /*out*/) {
  // Every tick this shard will still see is at or after the prices' progress minus the allowed
  // lateness (the source dead-letters older ones; a partition read to its end holds nothing
  // back), and so is every record it will still publish.
  if (ctx.wm.prices_progress == Watermarks::kMin) return;
  if (feeder_) feeder_->advance(ctx.wm.prices_progress - lateness_ - 1);
  // So are the times those ticks are scored at: signals older than the long window before them
  // count no more.
  if (!pressure_.empty()) pressure_.forget_before(ctx.wm.prices_progress - lateness_ - pressure_.settings().windows_ms[kPressureWindows - 1]);
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
