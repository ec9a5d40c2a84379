#pragma once
//! An encoded output record on its way to a sink, tied to the input batch it was derived from.
#include <cstdint>
#include <string>

#include "src/runtime/input_batch.hpp"

namespace spotstream {

enum class OutputTopic : std::uint8_t { Decisions, Risk, Dlq };

struct Output {
  OutputTopic topic = OutputTopic::Decisions;
  std::string key;
  std::string value;
  std::int64_t ts = 0;          //!< event time; becomes the Kafka message timestamp
  InputBatch* batch = nullptr;  //!< released (done()) by the sink once delivered; may be null
  //! Already on Kafka (read back on resume): goes to the history only, is not produced again.
  bool history_only = false;
  //! >= 0: produced to this partition, not by key, and never to the history (spot.risk progress
  //! marks, which go to every partition).
  std::int32_t partition = -1;
};

}  // namespace spotstream
