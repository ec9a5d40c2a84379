#pragma once
//! A sink that keeps every output in memory (a replay in process): each lane appends to a store of
//! its own (OutputStore), without locks, and an output counts as stored as soon as it is pushed.
//! take() hands them all over once the pipeline has stopped, lane by lane (each lane's outputs in
//! the order its thread pushed them). No history, no transactions.
#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "src/runtime/output_sink.hpp"
#include "src/runtime/output_store.hpp"
#include "src/runtime/runtime_metrics.hpp"

namespace spotstream {

class MemorySink : public OutputSink {
 public:
  explicit MemorySink(RuntimeMetrics& metrics) : metrics_(metrics) {}

  std::unique_ptr<Lane> lane() override;
  void wait_delivered() const override {}
  void stop_and_join() override {}

  //! Every output pushed, after the pipeline has stopped (its lanes are no longer written to).
  StoredOutputs take();

 private:
  class StoreLane;
  RuntimeMetrics& metrics_;
  std::mutex mu_;  //!< guards stores_ (lanes are made from several threads' constructors)
  std::vector<std::unique_ptr<OutputStore>> stores_;
};

}  // namespace spotstream
