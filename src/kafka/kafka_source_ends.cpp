// KafkaSource: where each partition ends, and what was lost before it was read.
#include "src/kafka/kafka_source.hpp"

#include <algorithm>

namespace spotstream {

void KafkaSource::expect_from(const PartitionKey& tp, std::int64_t offset) {
  if (const auto i = slot_of(tp); i >= 0) slots_[static_cast<std::size_t>(i)].expected = offset;
}

void KafkaSource::confirm_ends() {
  for (auto& s : slots_) {
    if (!s.assigned || !s.eof) continue;
    std::int64_t low = 0, high = 0;
    if (rd_kafka_get_watermark_offsets(consumer_->c_ptr(), s.key.first.c_str(), s.key.second, &low, &high) !=
        RD_KAFKA_RESP_ERR_NO_ERROR)
      continue;
    if (high > s.eof_offset) {
      s.eof = false;
      eof_[s.key] = false;
    }
  }
}

void KafkaSource::check_gap(Slot& s, std::int64_t offset) {
  std::int64_t low = -1, high = -1;
  rd_kafka_get_watermark_offsets(consumer_->c_ptr(), s.key.first.c_str(), s.key.second, &low, &high);
  if (low < 0 && consumer_->query_watermark_offsets(s.key.first, s.key.second, &low, &high, 5000) != RdKafka::ERR_NO_ERROR)
    return;
  if (s.expected >= low) return;
  listener_.on_lost(s.key, s.expected, std::min(offset, low));
}

std::vector<std::pair<PartitionKey, std::int64_t>> KafkaSource::lags() const {
  std::vector<std::pair<PartitionKey, std::int64_t>> out;
  for (const auto& s : slots_) {
    if (!s.assigned || s.expected < 0) continue;
    std::int64_t low = -1, high = -1;
    if (rd_kafka_get_watermark_offsets(consumer_->c_ptr(), s.key.first.c_str(), s.key.second, &low, &high) !=
            RD_KAFKA_RESP_ERR_NO_ERROR ||
        high < 0)
      continue;
    out.emplace_back(s.key, std::max<std::int64_t>(0, high - s.expected));
  }
  return out;
}

bool KafkaSource::all_at_eof() const {
  if (eof_.empty()) return false;
  for (const auto& [k, at_end] : eof_)
    if (!at_end) return false;
  return true;
}

}  // namespace spotstream
