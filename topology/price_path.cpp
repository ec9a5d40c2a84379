#include "topology/price_path.hpp"

#include <spdlog/spdlog.h>

#include "src/codec/dlq_reason.hpp"
#include "src/codec/json_encoder.hpp"

namespace spotstream {

WindowSettings PricePath::window_settings(const Config& cfg) {
  WindowSettings w;
  w.window_ms = cfg.get_int("window.length_ms");
  w.pane_ms = cfg.get_int("window.pane_ms");
  w.lateness_ms = cfg.get_int("window.allowed_lateness_ms");
  if (w.window_ms % w.pane_ms != 0 || w.volatility_ms % w.pane_ms != 0)
    throw ConfigError("window.length_ms and 24 h must be whole multiples of window.pane_ms");
  return w;
}

PricePath::PricePath(const Config& cfg, std::shared_ptr<const SpotAdvisor> advisor, RuntimeMetrics& metrics)
    : advisor_(std::move(advisor)),
      metrics_(metrics),
      prices_topic_(cfg.get_string("topics.prices")),
      window_(window_settings(cfg)),
      features_(advisor_.get()),
      emission_(RiskEmissionSettings{cfg.get_double("risk.epsilon"), cfg.get_int("risk.max_interval_ms"),
                                     cfg.get_bool("risk.every_tick")}) {}

void PricePath::operator()(const PriceTick& tick, const EventContext& ctx, PriceState& state,
                           OutputCollector& out) const {
  auto& pool = state.pools[tick.pool_id()];
  switch (window_.add(pool.window, tick.ts, tick.spot_price)) {
    case TickOutcome::Duplicate:
      metrics_.duplicate_ticks.inc();
      return;
    case TickOutcome::TooLate: {
      // The source already dead-letters ticks behind their partition's watermark; a tick can only
      // get here behind its own pool when the pool's ticks arrive on several partitions (a
      // producer not keying by <az>/<family>). Its original bytes are not at hand: re-encoded.
      metrics_.dlq.inc(dlq::kLate);
      DeadLetter dl{dlq::kLate,
                    "tick older than its pool's latest tick minus the allowed lateness (its pool's ticks arrive on more "
                    "than one partition: key them by <az>/<family>); payload re-encoded as a canonical tick",
                    SourceRef{prices_topic_, ctx.partition, ctx.offset}, tick.routing_key(), encode_price_tick(tick), tick.ts};
      out.emit(OutputTopic::Dlq, dl.key, encode_dead_letter(dl, 1 << 16), tick.ts);
      return;
    }
    case TickOutcome::Added:
      break;
  }
  const auto stats = window_.stats(pool.window);
  Features f = features_(tick, stats, state.family);
  RiskScore score = model_.score(f);
  RiskRecord record = FeatureBuilder::record(tick, stats, std::move(f), std::move(score));
  if (!emission_(pool.emitted, record)) return;
  metrics_.risk_records.inc();
  out.emit(OutputTopic::Risk, record.pool, encode_risk_record(record), record.ts);
}

}  // namespace spotstream
