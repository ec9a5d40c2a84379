#pragma once
//! Per-pool state of the rolling window; pool_window.hpp states what it computes. Owned by one
//! shard thread and changed only by PoolWindow. The layout serves the memory target (< 16 KiB
//! per pool at 5-minute ticks over 7 days): a sealed pane with one tick costs 6 bytes.
#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "src/core/event.hpp"

namespace spotstream {

namespace pool_window_detail {

__extension__ using Uint128 = unsigned __int128;  // exact sums of squared micro-dollars
using Micros = std::int32_t;                      // price in micro-dollars per hour

//! FIFO ring whose capacity doubles on demand up to a caller-given limit (the pane count), so a
//! sparse pool stays small and a dense one never exceeds what its window can hold. Pushes
//! allocate only when the ring grows: none in steady state.
template <class T>
class Ring {
 public:
  Ring() = default;
  Ring(Ring&&) noexcept = default;
  Ring& operator=(Ring&&) noexcept = default;
  //! Copies keep only what is held (a snapshot of a pool's state is as small as it can be).
  Ring(const Ring& o) { *this = o; }
  Ring& operator=(const Ring& o) {
    if (this == &o) return *this;
    buf_ = o.size_ ? std::make_unique_for_overwrite<T[]>(o.size_) : nullptr;
    for (std::size_t k = 0; k < o.size_; ++k) buf_[k] = o[k];
    cap_ = size_ = o.size_;
    head_ = 0;
    return *this;
  }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  //! k-th element from the front.
  T& operator[](std::size_t k) { return buf_[wrap(head_ + k)]; }
  const T& operator[](std::size_t k) const { return buf_[wrap(head_ + k)]; }
  const T& front() const { return buf_[head_]; }
  const T& back() const { return (*this)[size_ - 1]; }
  void push_back(const T& v, std::size_t limit) {
    if (size_ == cap_) grow(limit);
    buf_[wrap(head_ + size_)] = v;
    ++size_;
  }
  void pop_front() {
    head_ = wrap(head_ + 1);
    --size_;
  }
  void pop_back() { --size_; }
  std::size_t capacity_bytes() const { return cap_ * sizeof(T); }

 private:
  std::size_t wrap(std::size_t i) const { return i >= cap_ ? i - cap_ : i; }
  void grow(std::size_t limit) {
    const std::size_t cap = std::max<std::size_t>(std::min<std::size_t>(cap_ * 2, limit), 4);
    assert(cap > cap_);
    auto buf = std::make_unique_for_overwrite<T[]>(cap);
    for (std::size_t k = 0; k < size_; ++k) buf[k] = (*this)[k];
    buf_ = std::move(buf);
    cap_ = cap;
    head_ = 0;
  }

  std::unique_ptr<T[]> buf_;
  std::size_t cap_ = 0, head_ = 0, size_ = 0;
};

//! A sealed pane's index (mod 2^16: every held pane lies within N <= 65536 panes of the latest, so
//! the full index is recovered from it) and one price; 6 bytes, 2-aligned.
struct PaneRec {
  std::uint16_t pane;
  std::uint16_t lo, hi;
  static PaneRec make(std::int64_t pane, Micros price) {
    const auto p = static_cast<std::uint32_t>(price);
    return {static_cast<std::uint16_t>(pane), static_cast<std::uint16_t>(p), static_cast<std::uint16_t>(p >> 16)};
  }
  Micros price() const { return static_cast<Micros>(static_cast<std::uint32_t>(hi) << 16 | lo); }
};

//! Extra detail for a sealed pane with more than one tick (rare at real rates): what its eviction
//! must subtract.
struct MultiPane {
  std::int64_t pane;
  std::int64_t sum;
  Uint128 sumsq;
  std::uint32_t count;
};

//! A pane that can still receive ticks (within lateness_ms of the latest tick): full aggregates.
struct OpenPane {
  std::int64_t pane;
  TimestampMs last_ts;  //!< time of the pane's last tick (ties: added last)
  std::int64_t sum;
  Uint128 sumsq;
  std::uint32_t count;
  Micros min, max, last;
};

struct RecentTick {
  TimestampMs ts;
  Micros price;
};

}  // namespace pool_window_detail

struct PoolWindowState {
  using Micros = pool_window_detail::Micros;
  template <class T>
  using Ring = pool_window_detail::Ring<T>;

  bool has_tick = false;
  bool has_carried = false;     //!< a tick lies before the window (in a pane already evicted)
  Micros last_price = 0;
  Micros carried = 0;           //!< last tick of the newest pane evicted from the window
  TimestampMs last_ts = 0;      //!< L
  std::int64_t last_pane = 0;   //!< pane(L)

  //! Sealed panes inside the window, oldest first. The first vol_pos of them (and multi_vol_pos
  //! of `multi`) have left the volatility window; the rest are summed in vol_*.
  Ring<pool_window_detail::PaneRec> panes;
  Ring<pool_window_detail::MultiPane> multi;  //!< the sealed panes with count > 1, oldest first
  std::uint32_t vol_pos = 0, multi_vol_pos = 0;
  //! Monotonic deques over the sealed panes: pane minima increasing, maxima decreasing.
  Ring<pool_window_detail::PaneRec> min_q, max_q;
  std::uint64_t sealed_count = 0;  //!< ticks in the sealed panes of the window
  std::uint64_t vol_count = 0;     //!< ticks in the sealed panes of the volatility window
  std::int64_t vol_sum = 0;
  pool_window_detail::Uint128 vol_sumsq = 0;

  std::vector<pool_window_detail::OpenPane> open;      //!< panes that may still change, ascending
  std::vector<pool_window_detail::RecentTick> recent;  //!< ticks at >= L - lateness, by time
};

//! Bytes the state owns (the object plus its buffers' capacities), for memory accounting.
inline std::size_t memory_bytes(const PoolWindowState& s) {
  return sizeof(s) + s.panes.capacity_bytes() + s.multi.capacity_bytes() + s.min_q.capacity_bytes() +
         s.max_q.capacity_bytes() + s.open.capacity() * sizeof(s.open[0]) +
         s.recent.capacity() * sizeof(s.recent[0]);
}

}  // namespace spotstream
