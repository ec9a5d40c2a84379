#include "topology/risk_marks.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "src/codec/json_encoder.hpp"
#include "src/core/time.hpp"

namespace spotstream {

RiskMarks::RiskMarks(const Config& cfg)
    : prices_topic_(cfg.get_string("topics.prices")),
      lateness_(cfg.get_int("window.allowed_lateness_ms")),
      instant_ms_(cfg.get_int("decisions.instant_ms")),
      interval_(cfg.get_int("decisions.mark_interval_ms")) {}

void RiskMarks::sealed(std::uint64_t batch, const WatermarkTracker& wm, const std::map<PartitionKey, bool>& assignment,
                       bool force) {
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_snapshot_ < interval_) {
    dirty_ = true;
    return;
  }
  last_snapshot_ = now;
  dirty_ = false;
  Snapshot s{batch, {}};
  std::vector<std::int32_t> idle;
  TimestampMs busy_min = Watermarks::kMax;
  for (const auto& [tp, at_end] : assignment) {
    if (tp.first != prices_topic_) continue;
    const TimestampMs latest = wm.latest(tp);
    // A stalled partition is marked like an idle one: its pools' stale records stand for it.
    if (latest != Watermarks::kMin && !wm.stalled().count(tp)) {
      s.through[tp.second] = latest - lateness_ - 1;
      busy_min = std::min(busy_min, s.through[tp.second]);
    } else if (at_end || latest != Watermarks::kMin) {
      idle.push_back(tp.second);
    }
  }
  // An idle partition is as complete as this process's least advanced busy one (see the header).
  if (busy_min != Watermarks::kMax)
    for (const auto p : idle) s.through[p] = busy_min;
  if (!s.through.empty()) pending_.push_back(std::move(s));
}

std::vector<Output> RiskMarks::due(std::uint64_t retired, const OutputSink& sink) {
  std::vector<Output> out;
  if (pending_.empty() || pending_.front().batch > retired) return out;
  Snapshot s = std::move(pending_.front());
  pending_.pop_front();
  while (!pending_.empty() && pending_.front().batch <= retired) {
    s = std::move(pending_.front());
    pending_.pop_front();
  }
  if (risk_partitions_ < 0) {
    try {
      risk_partitions_ = sink.partitions(OutputTopic::Risk);
    } catch (const std::exception& e) {
      spdlog::warn("risk marks: {}; retrying with the next marks", e.what());
      return out;
    }
  }
  for (const auto& [p, through] : s.through) {
    auto [it, first] = published_.try_emplace(p, through);
    if (!first) {
      if (grid_cell(through, instant_ms_) <= grid_cell(it->second, instant_ms_)) continue;
      it->second = through;
    }
    const std::string key = risk_mark_key(prices_topic_, p);
    const std::string value = encode_risk_mark(RiskProgressMark{prices_topic_, p, through});
    for (std::int32_t r = 0; r < risk_partitions_; ++r) {
      Output o{OutputTopic::Risk, key, value, std::max<TimestampMs>(0, through)};
      o.partition = r;
      out.push_back(std::move(o));
    }
  }
  return out;
}

}  // namespace spotstream
