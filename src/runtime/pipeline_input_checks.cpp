// Pipeline: how far its inputs are to be trusted (events stamped too far ahead, partitions' ends,
// messages lost before they were read).
#include <spdlog/spdlog.h>

#include "src/core/steady_time.hpp"
#include "src/core/time.hpp"
#include "src/runtime/pipeline.hpp"

namespace spotstream {

bool Pipeline::too_far_ahead(const Event& e, TimestampMs ts, const PartitionState& part) const {
  if (max_ahead_of_clock_ > 0 && ts > clock_ms_ + max_ahead_of_clock_) return true;
  if (max_ahead_ <= 0 || !std::holds_alternative<PriceTick>(e) || !part.watermark) return false;
  return *part.watermark != Watermarks::kMin && ts > *part.watermark + max_ahead_;
}

void Pipeline::init_watermarks() {
  std::map<std::string, InputKind> inputs;
  for (const auto& in : source_->inputs()) {
    inputs.emplace(in.name, in.kind);
    kinds_.push_back(in.kind);
  }
  watermarks_ = WatermarkTracker(std::move(inputs));
  // A replay's partitions end only once all of them is read: none stalls.
  if (!source_->event_time_ordered())
    watermarks_.set_stale_after(cfg_.get_int("feeds.stale_after_ms"), cfg_.get_int("feeds.stale_grace_ms"));
}

void Pipeline::confirm_ends(bool now) {
  clock_ms_ = wall_ms();
  const std::int64_t steady = steady_ms();
  if (now || steady >= ends_checked_ms_ + kEndsCheckIntervalMs) {
    source_->confirm_ends();
    ends_checked_ms_ = steady;
  }
  const auto generation = watermarks_.current().stalled_generation;
  watermarks_.recompute(source_->assignment(), ends_checked_ms_);
  if (watermarks_.current().stalled_generation != generation) report_stalls();
}

// Published before the batch whose progress marks carry the new generation is sealed, so that a
// shard told of it finds the set.
void Pipeline::report_stalls() {
  StalledFeeds::Snapshot s{watermarks_.current().stalled_generation, {}};
  const TimestampMs ahead = watermarks_.prices_ahead();
  for (const auto& [tp, marked_at] : watermarks_.stalled()) {
    const TimestampMs latest = watermarks_.latest(tp);
    s.feeds.push_back({tp, latest, marked_at, ahead - latest});
    if (!reported_stalls_.count(tp))
      spdlog::warn("price feed stalled: {}[{}] is at {}, {} min behind the other price partitions, and has nothing more "
                   "to read; its pools are stale from {} and are not decided on until it resumes", tp.first, tp.second,
                   format_iso8601(latest), (ahead - latest) / 60000, format_iso8601(marked_at));
  }
  for (const auto& tp : reported_stalls_)
    if (!watermarks_.stalled().count(tp)) spdlog::info("price feed resumed: {}[{}]", tp.first, tp.second);
  reported_stalls_.clear();
  for (const auto& [tp, _] : watermarks_.stalled()) reported_stalls_.insert(tp);
  metrics_.stalled_feeds.publish(std::move(s));
}

void Pipeline::send_ends_checked(const Watermarks& wm) {
  // Nothing was read: the marks belong to no input batch, like the outputs of an idle shard, so an
  // idle source keeps no batch in flight (idle exit waits for none).
  progress_sent_ = wm;
  for (auto& s : shards_) {
    QueuedEvent mark{PriceTick{}, nullptr, EventContext{wm, false, -1, -1}};
    mark.progress = true;
    s->stage(std::move(mark), Shard::Lane::Prices);
    s->flush(*stop_);
  }
}

void Pipeline::on_lost(const PartitionKey& tp, std::int64_t from, std::int64_t to) {
  metrics_.messages_lost.inc(static_cast<std::uint64_t>(to - from));
  spdlog::error("LOST {} message(s) of {}[{}], offsets {}..{}: the broker removed them (retention) before they were read, "
                "and the consumer's offset reset skipped them; keep topics longer than a consumer may lag, or read them "
                "faster", to - from, tp.first, tp.second, from, to - 1);
}

}  // namespace spotstream
