#pragma once
//! A seam on the exactly_once transaction calls (delivery.guarantee=exactly_once): told of each
//! librdkafka transactional call that succeeded, in order, on the thread that made it (the sink
//! thread; init on the source thread before the sink starts). Tests record the sequence and the
//! offsets sent with it; the calls themselves always go to librdkafka.
#include <cstdint>
#include <map>

#include "src/core/event.hpp"

namespace spotstream {

class TransactionObserver {
 public:
  enum class Call { Init, Begin, SendOffsets, Commit, Abort };
  virtual ~TransactionObserver() = default;
  //! `offsets` (next offsets to consume, by input partition) are those sent for SendOffsets and
  //! empty for the other calls.
  virtual void on_call(Call call, const std::map<PartitionKey, std::int64_t>& offsets) = 0;
};

}  // namespace spotstream
