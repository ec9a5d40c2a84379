#pragma once
// A source listener for benches that read the inputs without a pipeline: assignments need no action.
#include <vector>

#include "src/runtime/event_source.hpp"

namespace spotstream::bench {

struct NoListener : EventSource::Listener {
  void on_assigned(const std::vector<PartitionKey>&) override {}
  void on_revoking(const std::vector<PartitionKey>&) override {}
};

}  // namespace spotstream::bench
