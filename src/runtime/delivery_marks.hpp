#pragma once
//! Outputs that say how far the outputs already delivered go (for the live topology: the spot.risk
//! progress marks, topology/risk_marks), published only once the batches they cover are delivered.
//! The pipeline tells it when each input batch is sealed and asks what is due as batches retire;
//! the marks go out as a batch of their own. Owned by the source thread.
#include <cstdint>
#include <map>
#include <vector>

#include "src/runtime/output.hpp"
#include "src/runtime/output_sink.hpp"
#include "src/runtime/watermarks.hpp"

namespace spotstream {

class DeliveryMarks {
 public:
  virtual ~DeliveryMarks() = default;
  //! After batch number `batch` (OffsetTracker::pushed) was sealed, with the inputs' progress then:
  //! take a snapshot, or skip it (throttled) unless `force`.
  virtual void sealed(std::uint64_t batch, const WatermarkTracker& wm, const std::map<PartitionKey, bool>& assignment,
                      bool force = false) = 0;
  //! A snapshot was skipped since the last one (the pipeline takes one when the input idles).
  virtual bool dirty() const = 0;
  //! The marks due now that batches up to `retired` are delivered; empty when none is.
  virtual std::vector<Output> due(std::uint64_t retired, const OutputSink& sink) = 0;
};

}  // namespace spotstream
