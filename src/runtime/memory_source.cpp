#include "src/runtime/memory_source.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <string>

namespace spotstream {

MemorySource::MemorySource(std::vector<Input> inputs, std::vector<std::int32_t> partitions,
                           std::span<const PriceTick> ticks, std::vector<Event> events,
                           std::vector<Placement> placements, Listener& listener)
    : inputs_(std::move(inputs)),
      partitions_(std::move(partitions)),
      ticks_(ticks),
      events_(std::move(events)),
      placements_(std::move(placements)),
      listener_(listener) {
  if (partitions_.size() != inputs_.size()) throw std::invalid_argument("MemorySource: one partition count per input");
  const auto from_ticks = static_cast<std::size_t>(
      std::count_if(placements_.begin(), placements_.end(), [](const Placement& m) { return m.from_ticks; }));
  if (from_ticks != ticks_.size() || placements_.size() - from_ticks != events_.size())
    throw std::invalid_argument("MemorySource: one placement per tick and per event");
  for (std::uint32_t i = 0; i < inputs_.size(); ++i) {
    if (partitions_[i] < 1) throw std::invalid_argument("MemorySource: " + inputs_[i].name + " needs a partition");
    first_slot_.push_back(static_cast<std::uint32_t>(keys_.size()));
    for (std::int32_t p = 0; p < partitions_[i]; ++p) keys_.emplace_back(inputs_[i].name, p);
  }
  next_offset_.assign(keys_.size(), 0);
  remaining_.assign(keys_.size(), 0);
  for (const auto& m : placements_) {
    if (m.input >= inputs_.size() || m.partition < 0 || m.partition >= partitions_[m.input])
      throw std::invalid_argument("MemorySource: a message names no partition of its input");
    ++remaining_[first_slot_[m.input] + static_cast<std::uint32_t>(m.partition)];
  }
}

void MemorySource::assign() {
  assigned_ = true;
  for (std::size_t slot = 0; slot < keys_.size(); ++slot) at_end_[keys_[slot]] = remaining_[slot] == 0;
  listener_.on_assigned(keys_);
}

std::size_t MemorySource::poll(std::size_t max, int timeout_ms, const RecordFn& fn) {
  if (!assigned_) assign();
  if (done_ || placements_.empty()) {
    // Nothing more will come: wait a little, as a consumer would, instead of spinning the caller's
    // loop against the shards that are still working.
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(timeout_ms, 1)));
    return 0;
  }
  std::size_t n = 0;
  Record r;
  for (; n < max && next_ < placements_.size(); ++n) {
    const auto& m = placements_[next_++];
    const std::uint32_t slot = first_slot_[m.input] + static_cast<std::uint32_t>(m.partition);
    decoded_.clear();
    if (m.from_ticks) decoded_.emplace_back(ticks_[next_tick_++]);
    else decoded_.push_back(std::move(events_[next_event_++]));
    r.timestamp = std::visit([](const auto& v) { return v.ts; }, decoded_.front());
    r.slot = slot;
    r.topic = m.input;
    r.partition = m.partition;
    r.offset = next_offset_[slot]++;
    r.decoded = &decoded_;
    fn(r);
    if (--remaining_[slot] == 0) at_end_[keys_[slot]] = true;
  }
  if (!done_ && next_ == placements_.size()) {
    done_ = true;
    std::vector<Event>().swap(events_);  // moved-from shells: give the memory back
    std::vector<Placement>().swap(placements_);
  }
  return n;
}

bool MemorySource::commit(const std::map<PartitionKey, std::int64_t>& offsets, bool /*sync*/,
                          const std::map<PartitionKey, std::int64_t>& /*owed_from*/) {
  for (const auto& [tp, off] : offsets) committed_[tp] = off;
  return true;
}

std::int64_t MemorySource::slot_of(const PartitionKey& tp) const {
  for (std::uint32_t i = 0; i < inputs_.size(); ++i)
    if (inputs_[i].name == tp.first)
      return tp.second >= 0 && tp.second < partitions_[i] ? std::int64_t{first_slot_[i]} + tp.second : -1;
  return -1;
}

}  // namespace spotstream
