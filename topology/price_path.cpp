#include "topology/price_path.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <iterator>

#include "src/codec/dlq_reason.hpp"
#include "src/codec/json_encoder.hpp"
#include "src/core/pool_id.hpp"
#include "src/core/steady_time.hpp"

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

PricePath::PricePath(const Config& cfg, std::shared_ptr<const SpotAdvisor> advisor, ProcessMetrics& metrics,
                     std::shared_ptr<const ScoringContext> scoring, RecordSink on_record, bool publish)
    : scoring_(scoring ? std::move(scoring) : std::make_shared<const ScoringContext>(nullptr, std::move(advisor))),
      metrics_(metrics),
      prices_topic_(cfg.get_string("topics.prices")),
      dlq_payload_max_(static_cast<std::size_t>(cfg.get_int("decode.dlq_payload_max_bytes"))),
      max_pools_(cfg.get_int("limits.max_pools")),
      window_ms_(cfg.get_int("window.length_ms")),
      pressure_(PressureSettings::from(cfg)),
      window_(window_settings(cfg)),
      emission_(RiskEmissionSettings{cfg.get_double("risk.epsilon"), cfg.get_int("risk.max_interval_ms"),
                                     cfg.get_bool("risk.every_tick")}),
      on_record_(std::move(on_record)),
      publish_(publish) {}

PricePath::PoolRef PricePath::look_ahead(const PriceTick& tick, PriceState& state) const {
  PoolRef ref;
  const std::uint64_t hash = tick.key_hash != 0 ? tick.key_hash : tick.routing_hash();
  ref.group = state.family.find_of_type(hash, tick.az, tick.instance_type);
  if (ref.group == nullptr) return ref;
  ref.member = FamilyStressState::find_member(*ref.group, tick.instance_type, tick.product);
  if (ref.member == ref.group->members.size()) return ref;
  ref.pool = state.pools[ref.group->members[ref.member].slot].get();
  ref.shape = state.shape;
  window_.prefetch(ref.pool->window);
  return ref;
}

std::optional<PricePath::TickFeatures> PricePath::features(const PriceTick& tick, PriceState& state,
                                                           TickOutcome& outcome, const PoolRef* ahead) const {
  // One relaxed load per tick; only after a reload does the shard copy the new model's pointers.
  if (state.scoring.refresh(*scoring_) && state.scoring.advisor_changed)
    for (auto& p : state.pools) p->statics.resolved = false;  // bands and hardware looked up again
  PoolRef ref;
  if (ahead != nullptr && ahead->pool != nullptr && ahead->shape == state.shape) {
    ref = *ahead;
  } else {
    const std::uint64_t hash = tick.key_hash != 0 ? tick.key_hash : tick.routing_hash();
    if (metrics_.pools.get() >= max_pools_ && !holds(tick, hash, state)) {
      outcome = TickOutcome::PoolLimit;
      return std::nullopt;
    }
    ref.group = &state.family.group_of_type(hash, tick.az, tick.instance_type);
    const auto next_slot = static_cast<std::uint32_t>(state.pools.size());
    ref.member = FamilyStressState::member(*ref.group, tick.instance_type, tick.product, next_slot);
    const std::uint32_t slot = ref.group->members[ref.member].slot;
    if (slot == next_slot) {
      state.pools.push_back(std::make_unique<PoolState>());
      ++state.shape;
      metrics_.pools.add(1);
    }
    ref.pool = state.pools[slot].get();
    window_.prefetch(ref.pool->window);
  }
  auto& pool = *ref.pool;
  outcome = window_.add(pool.window, tick.ts, tick.spot_price);
  if (outcome != TickOutcome::Added) return std::nullopt;
  const auto stats = window_.stats(pool.window);
  TickFeatures t{&pool, stats, features_(tick, stats, *ref.group, ref.member, pool.statics,
                                                 ReferenceData{state.scoring.advisor, state.scoring.on_demand})};
  if (state.pressure != nullptr && !state.pressure->empty()) state.pressure->fill(tick, stats.last_ts, t.features.pressure);
  return t;
}

bool PricePath::holds(const PriceTick& tick, std::uint64_t hash, PriceState& state) {
  auto* group = state.family.find_of_type(hash, tick.az, tick.instance_type);
  return group != nullptr &&
         FamilyStressState::find_member(*group, tick.instance_type, tick.product) != group->members.size();
}

void PricePath::dead_letter(const PriceTick& tick, const EventContext& ctx, const char* reason, std::string detail,
                            OutputCollector& out) const {
  metrics_.dlq.inc(reason);
  DeadLetter dl{reason, std::move(detail), SourceRef{prices_topic_, ctx.partition, ctx.offset}, tick.routing_key(),
                encode_price_tick(tick), tick.ts};
  out.emit(OutputTopic::Dlq, dl.key, encode_dead_letter(dl, metrics_.dlq.payload_allowance(dlq_payload_max_, steady_ms())),
           tick.ts);
}

bool PricePath::emits(const TickFeatures& t, PriceState& state, RiskScore& s) const {
  s.crash_probability = state.scoring.model->crash_probability(t.features);
  s.stability = 1.0 - s.crash_probability;
  // A stale pool's feed has caught up with its stale record: its record is published whatever moved.
  if (t.pool->stale_at != 0 && t.stats.last_ts >= t.pool->stale_at) {
    t.pool->stale_at = 0;
    t.pool->emitted.any = false;
  }
  return emission_(t.pool->emitted, t.stats.last_ts, t.features, s);
}

std::optional<RiskRecord> PricePath::score(const PriceTick& tick, PriceState& state, TickOutcome& outcome,
                                           const PoolRef* ahead, PoolState** pool) const {
  auto t = features(tick, state, outcome, ahead);
  if (!t) return std::nullopt;
  RiskScore s;
  if (!emits(*t, state, s)) return std::nullopt;
  if (pool) *pool = t->pool;
  const RiskModel& model = *state.scoring.model;
  model.describe(t->features, s);  // label, model name and version, assumptions: only for published records
  auto record = FeatureBuilder::record(tick, t->stats, t->features, std::move(s));
  FeatureBuilder::describe(record, t->pool->statics);
  std::copy(std::begin(pressure_.windows_ms), std::end(pressure_.windows_ms), record.pressure_windows_ms);
  return record;
}

void PricePath::operator()(const PriceTick& tick, const EventContext& ctx, PriceState& state, OutputCollector& out,
                           const PoolRef* ahead) const {
  TickOutcome outcome;
  // A replayed tick (history re-read on assignment) rebuilds the window, the family stress and the
  // last published record, and publishes nothing: that was done before, or is not ours to do. Its
  // record still rebuilds the replicated risk table, where one is fed from here; otherwise the
  // record is not even built (the emission state it would have changed is updated all the same).
  if (ctx.replay && !on_record_) {
    RiskScore s;
    if (auto t = features(tick, state, outcome, ahead)) emits(*t, state, s);
    return;
  }
  PoolState* pool = nullptr;
  auto record = score(tick, state, outcome, ahead, &pool);
  if (ctx.replay) {
    if (record) {
      record->warming = record->ts < ctx.covered_from + window_ms_;
      on_record_(*record, true);
    }
    return;
  }
  if (outcome == TickOutcome::Duplicate) {
    metrics_.duplicate_ticks.inc();
  } else if (outcome == TickOutcome::TooLate) {
    // The source already dead-letters ticks behind their partition's watermark; a tick can only
    // get here behind its own pool when the pool's ticks arrive on several partitions (a
    // producer not keying by <az>/<family>). Its original bytes are not at hand: re-encoded.
    dead_letter(tick, ctx, dlq::kLate,
                "tick older than its pool's latest tick minus the allowed lateness (its pool's ticks arrive on more "
                "than one partition: key them by <az>/<family>); payload re-encoded as a canonical tick", out);
  } else if (outcome == TickOutcome::PoolLimit) {
    const auto n = metrics_.dlq.get(dlq::kPoolLimit) + 1;
    if (n <= 10 || n % 1000 == 0)
      spdlog::warn("pool limit: the process keeps {} pools (limits.max_pools {}): tick of new pool {} dead-lettered "
                   "(#{})", metrics_.pools.get(), max_pools_, PoolId::text(tick.az, tick.instance_type, tick.product), n);
    dead_letter(tick, ctx, dlq::kPoolLimit,
                "the process keeps windows for limits.max_pools (" + std::to_string(max_pools_) +
                    ") pools: a new pool's ticks are refused (raise the limit, or spread the pools over more "
                    "processes); payload re-encoded as a canonical tick", out);
  } else if (record) {
    record->warming = record->ts < ctx.covered_from + window_ms_;
    metrics_.risk_records.inc();
    if (publish_) {
      auto encoded = encode_risk_record(*record);
      pool->last_published.assign(encoded);  // reuses its buffer: no allocation per record
      out.emit(OutputTopic::Risk, record->pool, std::move(encoded), record->ts);
    }
    if (on_record_) on_record_(*record, false);
  }
}

void PricePath::mark_stale(PriceState& state, TimestampMs at, OutputCollector& out) const {
  for (auto& pool : state.pools) {
    if (!pool || pool->last_published.empty() || pool->stale_at != 0) continue;
    auto record = decode_risk_record(pool->last_published);
    if (!record || record->ts >= at) continue;
    record->stale = true;
    record->ts = at;
    pool->stale_at = at;
    metrics_.risk_records.inc();
    out.emit(OutputTopic::Risk, record->pool, encode_risk_record(*record), record->ts);
    if (on_record_) on_record_(*record, false);
  }
}

}  // namespace spotstream
