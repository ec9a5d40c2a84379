// KafkaSource: the dense slot each assigned partition holds while it is assigned.
#include <algorithm>
#include <stdexcept>

#include "src/kafka/kafka_source.hpp"

namespace spotstream {

std::size_t KafkaSource::input_index(std::string_view name) const {
  return static_cast<std::size_t>(
      std::find_if(inputs_.begin(), inputs_.end(), [&](const Input& in) { return in.name == name; }) - inputs_.begin());
}

std::uint32_t KafkaSource::assign_slot(const PartitionKey& tp) {
  const auto t = input_index(tp.first);
  if (t == inputs_.size() || tp.second < 0) throw std::logic_error("kafka: assigned a partition not subscribed to: " + tp.first);
  auto& by_partition = slot_by_partition_[t];
  const auto p = static_cast<std::size_t>(tp.second);
  if (p >= by_partition.size()) by_partition.resize(p + 1, -1);
  if (by_partition[p] >= 0) return static_cast<std::uint32_t>(by_partition[p]);  // already ours
  std::uint32_t slot;
  if (free_slots_.empty()) {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
  }
  slots_[slot] = Slot{tp, true};
  by_partition[p] = slot;
  eof_[tp] = false;
  return slot;
}

void KafkaSource::free_slot(const PartitionKey& tp) {
  const auto i = slot_of(tp);
  eof_.erase(tp);
  if (i < 0) return;
  auto& s = slots_[static_cast<std::size_t>(i)];
  if (s.restore_until >= 0) --replaying_;
  slot_by_partition_[input_index(tp.first)][static_cast<std::size_t>(tp.second)] = -1;
  s = Slot{};
  free_slots_.push_back(static_cast<std::uint32_t>(i));
}

std::int64_t KafkaSource::slot_of(const PartitionKey& tp) const {
  const auto t = input_index(tp.first);
  if (t == inputs_.size() || tp.second < 0) return -1;
  const auto& by_partition = slot_by_partition_[t];
  const auto p = static_cast<std::size_t>(tp.second);
  return p < by_partition.size() ? by_partition[p] : -1;
}

}  // namespace spotstream
