#pragma once
//! Per-pool state of the rolling window; pool_window.hpp states what it computes. Owned by one
//! shard thread and changed only by PoolWindow. The layout serves the memory target (< 16 KiB
//! per pool at 5-minute ticks over 7 days): a sealed pane with one tick costs 6 bytes.
#include <algorithm>
#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "src/core/event.hpp"
#include "src/core/ring.hpp"

namespace spotstream {

namespace pool_window_detail {

__extension__ using Uint128 = unsigned __int128;  // exact sums of squared micro-dollars
using Micros = std::int32_t;                      // price in micro-dollars per hour

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
//! A 128-bit sum stored as two 8-aligned halves: a Uint128 member would align (and pad) its
//! struct to 16 bytes.
struct Sum128 {
  std::uint64_t lo = 0, hi = 0;
  Uint128 get() const { return static_cast<Uint128>(hi) << 64 | lo; }
  void add(Uint128 v) {
    const Uint128 r = get() + v;
    lo = static_cast<std::uint64_t>(r);
    hi = static_cast<std::uint64_t>(r >> 64);
  }
};

struct MultiPane {  // 32 bytes
  std::uint32_t pane;  //!< low 32 bits of the index (held panes are within 65536 of each other)
  std::uint32_t count;
  std::int64_t sum;
  Sum128 sumsq;
};

//! A pane that can still receive ticks (within lateness_ms of the latest tick): full aggregates.
struct OpenPane {  // 56 bytes
  std::int64_t pane;
  TimestampMs last_ts;  //!< time of the pane's last tick (ties: added last)
  std::int64_t sum;
  Sum128 sumsq;
  std::uint32_t count;
  Micros min, max, last;
};

//! A vector of trivially copyable T with K elements inline: the panes that can still change and
//! the recent ticks sit next to the state's header (one burst of adjacent cache lines per tick, no
//! pointer to chase) unless lateness or a dense burst needs more, which then go to the heap.
template <class T, std::uint32_t K>
class SmallVec {
 public:
  SmallVec() = default;
  SmallVec(const SmallVec& o) { *this = o; }
  SmallVec& operator=(const SmallVec& o) {
    if (this == &o) return *this;
    size_ = 0;
    reserve(o.size_);
    std::copy(o.begin(), o.end(), data());
    size_ = o.size_;
    return *this;
  }
  std::uint32_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* begin() { return data(); }
  T* end() { return data() + size_; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size_; }
  T& operator[](std::size_t i) { return data()[i]; }
  const T& operator[](std::size_t i) const { return data()[i]; }
  const T& front() const { return data()[0]; }
  //! Inserts before position `at`; returns the inserted element.
  // Element loops, not std::copy: these move 0 to 3 elements, which a memmove call costs more than.
  T& insert(std::size_t at, const T& v) {
    if (size_ == cap_) reserve(cap_ * 2);
    T* d = data();
    for (std::size_t i = size_; i > at; --i) d[i] = d[i - 1];
    d[at] = v;
    ++size_;
    return d[at];
  }
  void erase_front(std::size_t k) {
    if (k == 0) return;
    T* d = data();
    for (std::size_t i = k; i < size_; ++i) d[i - k] = d[i];
    size_ -= static_cast<std::uint32_t>(k);
  }
  std::size_t heap_bytes() const { return heap_ ? cap_ * sizeof(T) : 0; }

 private:
  T* data() { return heap_ ? heap_.get() : inline_; }
  const T* data() const { return heap_ ? heap_.get() : inline_; }
  void reserve(std::size_t cap) {  // grows only: a pool that needed more once may need it again
    if (cap <= cap_) return;
    auto h = std::make_unique_for_overwrite<T[]>(cap);
    std::copy(begin(), end(), h.get());
    heap_ = std::move(h);
    cap_ = static_cast<std::uint32_t>(cap);
  }

  T inline_[K];
  std::unique_ptr<T[]> heap_;
  std::uint32_t size_ = 0, cap_ = K;
};

struct RecentTick {
  TimestampMs ts;
  Micros price;
};

}  // namespace pool_window_detail

struct PoolWindowState {
  using Micros = pool_window_detail::Micros;
  template <class T>
  using Ring = spotstream::Ring<T>;

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

  //! Panes that may still change, ascending (default settings: at most 3).
  pool_window_detail::SmallVec<pool_window_detail::OpenPane, 3> open;
  //! Ticks at >= L - lateness, by time: what a duplicate could repeat.
  pool_window_detail::SmallVec<pool_window_detail::RecentTick, 4> recent;
};

//! Bytes the state owns (the object plus its buffers' capacities), for memory accounting.
inline std::size_t memory_bytes(const PoolWindowState& s) {
  return sizeof(s) + s.panes.capacity_bytes() + s.multi.capacity_bytes() + s.min_q.capacity_bytes() +
         s.max_q.capacity_bytes() + s.open.heap_bytes() + s.recent.heap_bytes();
}

}  // namespace spotstream
