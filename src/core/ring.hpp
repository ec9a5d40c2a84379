#pragma once
//! A FIFO ring for elements held in order and taken from the front: one allocation per doubling
//! instead of one per element. Not thread-safe: owned by one thread.
#include <algorithm>
#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

namespace spotstream {

//! FIFO ring whose capacity doubles on demand up to the power of two at or above a caller-given
//! limit (a pool window's pane count, a lane's capacity), so a sparse pool stays small and a dense
//! one never holds much more than its window can. Powers of two, so that wrapping an index is a mask.
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
    const std::size_t cap = o.size_ ? std::bit_ceil(std::size_t{o.size_}) : 0;
    buf_ = cap ? std::make_unique_for_overwrite<T[]>(cap) : nullptr;
    for (std::size_t k = 0; k < o.size_; ++k) buf_[k] = o[k];
    cap_ = static_cast<std::uint32_t>(cap);
    size_ = o.size_;
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
  T& front() { return buf_[head_]; }
  void push_back(const T& v, std::size_t limit) { emplace(limit) = v; }
  void push_back(T&& v, std::size_t limit) { emplace(limit) = std::move(v); }
  //! Appends a slot and returns it to be filled in place: a reused (moved-from) or default element.
  T& append(std::size_t limit) { return emplace(limit); }
  void pop_front() {
    head_ = wrap(head_ + 1);
    --size_;
    maybe_shrink();
  }
  void pop_back() {
    --size_;
    maybe_shrink();
  }
  std::size_t capacity_bytes() const { return cap_ * sizeof(T); }
  //! Never give capacity back: for a ring that fills and drains over and over (the pipeline's
  //! held ticks in a catch-up), where shrinking and growing again would reallocate, copy and fault
  //! in fresh pages each round. Its memory stays at the most it ever held (at most its limit).
  void keep_capacity() { shrinks_ = false; }

 private:
  T& emplace(std::size_t limit) {
    if (size_ == cap_) grow(limit);
    return buf_[wrap(head_ + size_++)];
  }
  std::uint32_t wrap(std::size_t i) const { return static_cast<std::uint32_t>(i) & (cap_ - 1); }
  void grow(std::size_t limit) {
    const std::size_t cap = std::max<std::size_t>(std::min<std::size_t>(cap_ * 2, std::bit_ceil(limit)), 4);
    assert(cap > cap_);
    resize(cap);
  }
  // Memory follows what is held, not the most ever held (a long-lived pool would otherwise creep
  // up to its worst week). Halving at a quarter full keeps reallocations rare: Theta(capacity)
  // pushes or pops between two of them.
  void maybe_shrink() {
    if (shrinks_ && cap_ > 16 && size_ * 4 <= cap_) resize(cap_ / 2);
  }
  void resize(std::size_t cap) {
    auto buf = std::make_unique_for_overwrite<T[]>(cap);
    for (std::size_t k = 0; k < size_; ++k) buf[k] = std::move((*this)[k]);
    buf_ = std::move(buf);
    cap_ = static_cast<std::uint32_t>(cap);
    head_ = 0;
  }

  std::unique_ptr<T[]> buf_;
  std::uint32_t cap_ = 0, head_ = 0, size_ = 0;  // 32-bit: a state's header stays within few cache lines
  bool shrinks_ = true;
};

}  // namespace spotstream
