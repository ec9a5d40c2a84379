// Pipeline: the gauges of what the source thread owns, for the metrics and readiness endpoints.
#include "src/core/steady_time.hpp"
#include "src/runtime/pipeline.hpp"

namespace spotstream {

namespace {
// Lags are read from librdkafka's cached watermarks: cheap, but not worth every poll round.
constexpr std::int64_t kLagRefreshMs = 500;
}  // namespace

void Pipeline::refresh_gauges() {
  metrics_.started.set(1);
  metrics_.partitions_now.set(static_cast<std::int64_t>(source_->assignment().size()));
  metrics_.partitions_warming.set(static_cast<std::int64_t>(source_->warming_partitions()));
  std::vector<GaugeTable::Row> depths;
  depths.reserve(shards_.size());
  for (std::size_t i = 0; i < shards_.size(); ++i)
    depths.push_back({{std::to_string(i)}, static_cast<std::int64_t>(shards_[i]->queued())});
  metrics_.shard_queue_depth.replace(std::move(depths));
  const auto now = steady_ms();
  if (now - lags_refreshed_ms_ < kLagRefreshMs) return;
  lags_refreshed_ms_ = now;
  std::vector<GaugeTable::Row> lags;
  for (const auto& [tp, lag] : source_->lags()) lags.push_back({{tp.first, std::to_string(tp.second)}, lag});
  metrics_.consumer_lag.replace(std::move(lags));
}

}  // namespace spotstream
