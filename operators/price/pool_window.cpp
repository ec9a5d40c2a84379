#include "operators/price/pool_window.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "operators/price/pool_window_state.hpp"

namespace spotstream {

using namespace pool_window_detail;

namespace {

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

//! pane(t) when it is likely `near` or just after it (ticks mostly land in the latest pane or the
//! next): skips the 64-bit division, which costs more than the rest of a tick's arithmetic.
std::int64_t pane_near(TimestampMs t, std::int64_t near, TimestampMs pane_ms) {
  const TimestampMs start = near * pane_ms;
  if (t >= start) {
    if (t - start < pane_ms) return near;
    if (t - start < 2 * pane_ms) return near + 1;
  }
  return floor_div(t, pane_ms);
}

Micros to_micros(double price) {
  // Clamped rather than rejected: the decoder already bounds prices well inside this range, and
  // NaN must not reach llround (unspecified result).
  constexpr double kMax = std::numeric_limits<Micros>::max();
  const double m = price * 1e6;
  if (!(m > 0)) return 0;
  if (m >= kMax) return std::numeric_limits<Micros>::max();
  // llround (half away from zero) without the libm call: for 0 < m < 2^31 the fraction m - trunc(m)
  // is exact, so this gives the same integer.
  const auto i = static_cast<std::int64_t>(m);
  return static_cast<Micros>(m - static_cast<double>(i) >= 0.5 ? i + 1 : i);
}

double to_price(std::int64_t micros) { return static_cast<double>(micros) / 1e6; }

//! Full index of a held pane from its low 16 bits, given a reference pane at most 65535 after it.
std::int64_t unwrap(std::int64_t ref, std::uint16_t low) {
  return ref - static_cast<std::uint16_t>(static_cast<std::uint16_t>(ref) - low);
}

Uint128 square(Micros m) { return static_cast<Uint128>(static_cast<std::uint64_t>(m) * static_cast<std::uint64_t>(m)); }

//! The one formula for the std dev (pool_window.hpp): exact integer numerator, then doubles.
double std_dev(std::uint64_t n, std::int64_t sum, Uint128 sumsq) {
  if (n < 2) return 0;
  const auto s = static_cast<Uint128>(static_cast<std::uint64_t>(sum));
  const Uint128 num = static_cast<Uint128>(n) * sumsq - s * s;
  // The same rounding either way; below 2^64 (nearly always) without the libgcc 128-bit call.
  const double d = (num >> 64) == 0 ? static_cast<double>(static_cast<std::uint64_t>(num)) : static_cast<double>(num);
  return std::sqrt(d) / (static_cast<double>(n) * 1e6);
}

bool is_duplicate(const PoolWindowState& st, TimestampMs ts, Micros m) {
  const RecentTick* it = std::lower_bound(st.recent.begin(), st.recent.end(), ts,
                                          [](const RecentTick& r, TimestampMs t) { return r.ts < t; });
  for (; it != st.recent.end() && it->ts == ts; ++it)
    if (it->price == m) return true;
  return false;
}

void place(PoolWindowState& st, TimestampMs ts, Micros m, std::int64_t pane) {
  // Ticks arrive nearly in order: search from the back, so placement is O(1) in practice.
  std::size_t r = st.recent.size();
  while (r > 0 && st.recent[r - 1].ts > ts) --r;
  st.recent.insert(r, RecentTick{ts, m});

  std::size_t o = st.open.size();
  while (o > 0 && st.open[o - 1].pane > pane) --o;
  OpenPane& p = o > 0 && st.open[o - 1].pane == pane
                    ? st.open[o - 1]
                    : st.open.insert(o, OpenPane{pane, std::numeric_limits<TimestampMs>::min(), 0, {}, 0,
                                                 std::numeric_limits<Micros>::max(),
                                                 std::numeric_limits<Micros>::min(), 0});
  ++p.count;
  p.sum += m;
  p.sumsq.add(square(m));
  p.min = std::min(p.min, m);
  p.max = std::max(p.max, m);
  if (ts >= p.last_ts) {
    p.last_ts = ts;
    p.last = m;
  }
}

}  // namespace

PoolWindow::PoolWindow(WindowSettings s) : s_(s) {
  if (s_.pane_ms <= 0 || s_.window_ms <= 0 || s_.volatility_ms <= 0 || s_.lateness_ms < 0)
    throw std::invalid_argument("pool window: pane, window and volatility lengths must be positive, lateness >= 0");
  if (s_.window_ms % s_.pane_ms != 0 || s_.volatility_ms % s_.pane_ms != 0)
    throw std::invalid_argument("pool window: window_ms and volatility_ms must be multiples of pane_ms");
  window_panes_ = s_.window_ms / s_.pane_ms;
  volatility_panes_ = s_.volatility_ms / s_.pane_ms;
  if (volatility_panes_ > window_panes_ || window_panes_ > 65536)
    throw std::invalid_argument("pool window: need volatility_ms <= window_ms <= 65536 panes");
}

TickOutcome PoolWindow::add(PoolWindowState& st, TimestampMs ts, double price) const {
  const Micros m = to_micros(price);
  if (st.has_tick) {
    if (ts < st.last_ts - s_.lateness_ms) return TickOutcome::TooLate;
    if (ts <= st.last_ts) {
      if (is_duplicate(st, ts, m)) return TickOutcome::Duplicate;
    } else {
      advance(st, ts);
    }
  } else {
    st.has_tick = true;
    st.last_ts = ts;
    st.last_pane = floor_div(ts, s_.pane_ms);
  }
  place(st, ts, m, pane_near(ts, st.last_pane, s_.pane_ms));
  if (ts >= st.last_ts) {
    st.last_ts = ts;
    st.last_price = m;
  }
  return TickOutcome::Added;
}

void PoolWindow::prefetch(const PoolWindowState& st) const {
  if (st.vol_pos < st.panes.size()) __builtin_prefetch(&st.panes[st.vol_pos]);
  if (!st.panes.empty()) __builtin_prefetch(&st.panes.front());
  if (!st.min_q.empty()) __builtin_prefetch(&st.min_q.front());
  if (!st.max_q.empty()) __builtin_prefetch(&st.max_q.front());
}

// Moves L forward to ts: evicts sealed panes that left the windows, seals the open panes no tick
// can reach any more, forgets recent ticks no duplicate can match. Every held pane index is decoded
// against the old pane(L), which is within N panes of all of them.
void PoolWindow::advance(PoolWindowState& st, TimestampMs ts) const {
  const std::int64_t ref = st.last_pane;
  const std::int64_t pane = pane_near(ts, ref, s_.pane_ms);
  const std::int64_t win_edge = pane - window_panes_;     // panes <= this are out of the window
  const std::int64_t vol_edge = pane - volatility_panes_;  // likewise for volatility

  // Volatility first: its window is a suffix of the main one, so a pane leaves it no later.
  while (st.vol_pos < st.panes.size()) {
    const PaneRec& r = st.panes[st.vol_pos];  // by reference: a 6-byte copy to the stack stalls store forwarding
    const std::int64_t q = unwrap(ref, r.pane);
    if (q > vol_edge) break;
    if (st.multi_vol_pos < st.multi.size() && st.multi[st.multi_vol_pos].pane == static_cast<std::uint32_t>(q)) {
      const MultiPane& mp = st.multi[st.multi_vol_pos++];
      st.vol_count -= mp.count;
      st.vol_sum -= mp.sum;
      st.vol_sumsq -= mp.sumsq.get();
    } else {
      st.vol_count -= 1;
      st.vol_sum -= r.price();
      st.vol_sumsq -= square(r.price());
    }
    ++st.vol_pos;
  }
  while (!st.panes.empty()) {
    const PaneRec& r = st.panes.front();
    const std::int64_t q = unwrap(ref, r.pane);
    if (q > win_edge) break;
    st.has_carried = true;  // the evicted pane's last tick is now the price in effect at the start
    st.carried = r.price();
    if (!st.multi.empty() && st.multi.front().pane == static_cast<std::uint32_t>(q)) {
      st.sealed_count -= st.multi.front().count;
      st.multi.pop_front();
      --st.multi_vol_pos;
    } else {
      st.sealed_count -= 1;
    }
    st.panes.pop_front();
    --st.vol_pos;
  }
  while (!st.min_q.empty() && unwrap(ref, st.min_q.front().pane) <= win_edge) st.min_q.pop_front();
  while (!st.max_q.empty() && unwrap(ref, st.max_q.front().pane) <= win_edge) st.max_q.pop_front();

  // Seal, oldest first: each sealed pane is newer than every pane already held.
  const std::int64_t seal_below = pane_near(ts - s_.lateness_ms, st.open.front().pane, s_.pane_ms);
  const auto limit = static_cast<std::size_t>(window_panes_);
  std::size_t k = 0;
  for (; k < st.open.size() && st.open[k].pane < seal_below; ++k) {
    const OpenPane& p = st.open[k];
    if (p.pane <= win_edge) {  // left the window before it was sealed (a jump in time)
      st.has_carried = true;
      st.carried = p.last;
      continue;
    }
    st.panes.push_back(PaneRec::make(p.pane, p.last), limit);
    if (p.count > 1)
      st.multi.push_back(MultiPane{static_cast<std::uint32_t>(p.pane), p.count, p.sum, p.sumsq}, limit);
    st.sealed_count += p.count;
    if (p.pane > vol_edge) {
      st.vol_count += p.count;
      st.vol_sum += p.sum;
      st.vol_sumsq += p.sumsq.get();
    } else {  // everything held before it is out of the volatility window too
      st.vol_pos = static_cast<std::uint32_t>(st.panes.size());
      st.multi_vol_pos = static_cast<std::uint32_t>(st.multi.size());
    }
    while (!st.min_q.empty() && st.min_q.back().price() >= p.min) st.min_q.pop_back();
    st.min_q.push_back(PaneRec::make(p.pane, p.min), limit);
    while (!st.max_q.empty() && st.max_q.back().price() <= p.max) st.max_q.pop_back();
    st.max_q.push_back(PaneRec::make(p.pane, p.max), limit);
  }
  st.open.erase_front(k);

  const TimestampMs keep_from = ts - s_.lateness_ms;
  std::size_t r = 0;
  while (r < st.recent.size() && st.recent[r].ts < keep_from) ++r;
  st.recent.erase_front(r);
  st.last_pane = pane;
}

WindowStats PoolWindow::stats(const PoolWindowState& st) const {
  WindowStats w;
  if (!st.has_tick) return w;
  w.last_ts = st.last_ts;
  w.last_price = to_price(st.last_price);
  const std::int64_t win_edge = st.last_pane - window_panes_;
  const std::int64_t vol_edge = st.last_pane - volatility_panes_;

  // Sealed panes come from the deques and sums; the few open panes are looked at directly.
  std::int64_t lo = st.min_q.empty() ? std::numeric_limits<std::int64_t>::max() : st.min_q.front().price();
  std::int64_t hi = st.max_q.empty() ? std::numeric_limits<std::int64_t>::min() : st.max_q.front().price();
  bool has_carried = st.has_carried;
  Micros carried = st.carried;
  std::uint64_t count = st.sealed_count, vn = st.vol_count;
  std::int64_t vs = st.vol_sum;
  Uint128 vss = st.vol_sumsq;
  for (const OpenPane& p : st.open) {
    if (p.pane <= win_edge) {  // only with lateness beyond the window: newer than any evicted pane
      has_carried = true;
      carried = p.last;
      continue;
    }
    lo = std::min<std::int64_t>(lo, p.min);
    hi = std::max<std::int64_t>(hi, p.max);
    count += p.count;
    if (p.pane > vol_edge) {
      vn += p.count;
      vs += p.sum;
      vss += p.sumsq.get();
    }
  }
  if (has_carried) {
    lo = std::min<std::int64_t>(lo, carried);
    hi = std::max<std::int64_t>(hi, carried);
  }
  w.min = to_price(lo);
  w.max = to_price(hi);
  w.ticks_in_window = static_cast<std::uint32_t>(count);
  w.volatility_24h = std_dev(vn, vs, vss);
  return w;
}

}  // namespace spotstream
