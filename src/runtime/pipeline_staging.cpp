// Pipeline: routed events into the shards: staged (in one shard or a copy in each), or, price
// ticks, held for the fleet and signals inputs (declared in pipeline.hpp).
#include <algorithm>
#include <chrono>

#include "src/core/steady_time.hpp"
#include "src/runtime/pipeline.hpp"

namespace spotstream {

namespace {

// Held ticks staged between two flushes of the shards' staging buffers in a release.
constexpr std::size_t kReleaseBulk = 1024;

// How far the fleet and signals inputs have been read, idle partitions holding back like any.
TimestampMs control_read_through(const Watermarks& wm) {
  return std::min(wm.signals_assigned ? wm.signals : Watermarks::kMax, wm.fleet_assigned ? wm.fleet : Watermarks::kMax);
}

}  // namespace

void Pipeline::stage(Event&& e, const EventContext& ctx, std::size_t target, Shard::Lane lane) {
  if (target == ShardPlan::kEveryShard) {
    for (std::size_t s = 0; s + 1 < shards_.size(); ++s) {
      ++staged_;
      QueuedEvent copy{Event(e), current_.get(), ctx};
      copy.copy = true;
      shards_[s]->stage(std::move(copy), lane);
    }
    target = shards_.size() - 1;
  }
  ++staged_;  // added to the batch at once before the shards see any of it (seal_batch)
  shards_[target]->stage(std::move(e), current_.get(), ctx, lane);
}

void Pipeline::hold_tick(PriceTick&& t, const EventContext& ctx, std::size_t target) {
  // Bounded like a shard's lane. Made room for before the push, so that the ring never outgrows
  // the bound (and is not reallocated each time it fills).
  if (held_.size() >= held_max_) release_held(Release::Oldest);
  const TimestampMs ts = t.ts;
  current_->add(1);  // the batch stays open until a shard has processed the tick
  while (!held_min_.empty() && held_min_.back() > ts) held_min_.pop_back();
  held_min_.push_back(ts);
  // Held since its poll round began: one clock reading per round, not one per tick.
  const std::int64_t held_at = ctx.polled_ns != 0 ? ctx.polled_ns / 1'000'000 : steady_ms();
  // Filled in place: a temporary would move the tick's strings twice.
  HeldTick& h = held_.append(held_max_);
  h.tick = std::move(t);
  h.batch = current_.get();
  h.offset = ctx.offset;
  h.covered_from = ctx.covered_from;
  h.polled_ns = ctx.polled_ns;
  h.held_at = held_at;
  h.partition = ctx.partition;
  h.shard = static_cast<std::uint32_t>(target);
  h.replay = ctx.replay;
  h.owed = ctx.owed;
  h.grace = needs_grace(ctx.replay);
  metrics_.ticks_held.inc();
}

bool Pipeline::needs_grace(bool replay) const {
  // History re-read was produced long ago: nothing of it is still on its way. And without any
  // fleet event no signal can be placed in a pool: nothing to wait for.
  return control_grace_ms_ > 0 && !replay && fleet_routed_;
}

bool Pipeline::hold(TimestampMs ts, bool replay) const {
  if (!hold_prices_) return false;
  if (!held_.empty()) return true;  // behind a held tick: the ticks of a partition stay in order
  const Watermarks& wm = watermarks_.current();
  if (ts <= control_read_through(wm)) return false;
  return needs_grace(replay) || ts > wm.control_through();
}

Watermarks Pipeline::snapshot() {
  Watermarks wm = watermarks_.current();
  if (!held_min_.empty()) {
    const TimestampMs earliest = held_min_.front();
    wm.prices = std::min(wm.prices, earliest - 1);
    // Never back: a held tick behind what was shown is late by the prices' own rules.
    wm.prices_progress = std::max(std::min(wm.prices_progress, earliest), shown_progress_);
  }
  shown_progress_ = wm.prices_progress;
  return wm;
}

void Pipeline::release_held(Release how) {
  if (held_.empty()) return;
  const Watermarks& wm = watermarks_.current();
  const TimestampMs read = control_read_through(wm), through = wm.control_through();
  std::size_t unflushed = 0;
  while (!held_.empty()) {
    HeldTick& h = held_.front();
    const TimestampMs ts = h.tick.ts;
    const bool past_grace =
        !h.grace || how == Release::SkippingGrace || wm.ends_checked_at >= h.held_at + control_grace_ms_;
    const bool ready = ts <= read || (ts <= through && past_grace);
    if (how == Release::Oldest) {
      if (held_.size() <= held_max_ - held_max_ / 8) break;
      if (!ready) metrics_.ticks_released_early.inc();
    } else if (how != Release::All && !ready) {
      break;
    }
    if (held_min_.front() == ts) held_min_.pop_front();
    shards_[h.shard]->stage(std::move(h.tick), h.batch, h.context(snapshot()), Shard::Lane::Prices);  // counted in its batch when held
    held_.pop_front();
    // A release can free a whole hold at once: handed over in bulks, the staging buffers stay
    // small and their memory stays warm, instead of growing to the hold's size.
    if (++unflushed == kReleaseBulk) {
      for (auto& s : shards_) s->flush(*stop_);
      unflushed = 0;
    }
  }
  if (unflushed > 0)
    for (auto& s : shards_) s->flush(*stop_);
}

}  // namespace spotstream
