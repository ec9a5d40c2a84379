#pragma once
//! The spot.risk progress marks of one process (decisions.risk_source=topic; docs/scaling-and-delivery.md
//! "The risk table across processes"): for each price partition it owns, "every spot.risk record
//! of this partition stamped at or before T has been acknowledged", produced to every spot.risk
//! partition.
//!
//! For price partition p, T = (latest event time read from p) - window.allowed_lateness_ms - 1:
//! any tick of p still to come is at least that recent (older ones are dead-lettered as late), so
//! no record at or before T can follow. A partition assigned, at its end and never read (more
//! partitions than keys) is marked as far as the least advanced partition this process reads, as
//! Watermarks::prices_progress treats it (it does not hold decisions back); never "for ever",
//! since a mark stays on the topic. A process whose price partitions are all empty marks nothing
//! (readers do not wait for an unmarked partition that is empty on the broker: RiskTopicFeed).
//! Snapshots are taken when a batch is sealed (at most every decisions.mark_interval_ms) and
//! published once that batch, and so everything routed before it, has been delivered: the marks
//! then follow the records they cover in every partition, whatever the producer's ordering.
//! Marks are published only when some partition's T crosses a decisions.instant_ms grid instant
//! (or a partition is newly owned): that is when a decision can become possible.
//! Owned by the source thread.
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "src/config/config.hpp"
#include "src/runtime/delivery_marks.hpp"

namespace spotstream {

class RiskMarks : public DeliveryMarks {
 public:
  explicit RiskMarks(const Config& cfg);

  //! Snapshots the owned price partitions' progress, unless one was taken less than the interval
  //! ago (`force`: regardless).
  void sealed(std::uint64_t batch, const WatermarkTracker& wm, const std::map<PartitionKey, bool>& assignment,
              bool force = false) override;
  bool dirty() const override { return dirty_; }
  //! One Output per (owned price partition whose mark advanced, spot.risk partition of `sink`).
  std::vector<Output> due(std::uint64_t retired, const OutputSink& sink) override;

 private:
  struct Snapshot {
    std::uint64_t batch;
    std::map<std::int32_t, TimestampMs> through;  //!< price partition -> complete through
  };
  std::string prices_topic_;
  TimestampMs lateness_, instant_ms_;
  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point last_snapshot_{};
  std::int32_t risk_partitions_ = -1;  //!< asked once, at the first publication
  bool dirty_ = false;
  std::deque<Snapshot> pending_;
  std::map<std::int32_t, TimestampMs> published_;  //!< price partition -> last mark published
};

}  // namespace spotstream
