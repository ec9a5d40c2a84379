#pragma once
//! Rolling event-time window per spot pool (docs/design.md "Windows"): 7-day min and max by an amortised
//! O(1) sliding-window algorithm over panes (default 5 min), 24-hour volatility by exact
//! subtract-on-evict sums, last price and time. Prices are held as integer micro-dollars so that
//! every figure is exact and reproducible (a brute-force recomputation gives the same bits).
//! Memory per pool is bounded by the pane count, whatever the tick rate, and small when ticks are
//! sparse (real AWS pools change price every few hours). The price in effect at the window's start
//! (the last tick before it) still counts: a price is valid until the next change.
//! Stateless operator; the state is a PoolWindowState owned by one shard thread.
//!
//! Exact semantics (the tests' brute-force reference implements exactly this):
//! - micro(price) = llround(price * 1e6); every reported price is micro / 1e6. Prices must lie in
//!   [0, 2147.483647] USD/h (int32 micro-dollars, so a sealed pane costs 6 bytes); the decoder's
//!   max_price (default 1000) keeps them there. Out-of-range prices are clamped.
//! - pane(t) = floor(t / pane_ms). L = the pool's latest tick time, P = pane(L),
//!   N = window_ms / pane_ms, V = volatility_ms / pane_ms (both must divide exactly, V <= N <= 65536).
//! - The window is PANE-ALIGNED: it holds the ticks t with pane(t) in (P - N, P], i.e. the times
//!   [(P-N+1)*pane_ms, (P+1)*pane_ms). So it spans between window_ms - pane_ms and window_ms of
//!   history before L. Why not the tick-exact (L - window_ms, L]: evicting at an arbitrary instant
//!   inside a pane needs every tick of that pane (its suffix min and suffix sums), so memory would
//!   grow with the tick rate; pane-aligned eviction needs only per-pane aggregates.
//! - carried = the last tick (greatest time; ties: added last) with pane(t) <= P - N: the price in
//!   effect when the window starts. min/max are over the window's ticks plus carried (if any).
//! - volatility_24h = population std dev over the ticks with pane(t) in (P - V, P]; with n ticks,
//!   S = sum micro, Q = sum micro^2 (exact integers): sqrt(double(n*Q - S*S)) / (double(n) * 1e6),
//!   the numerator in unsigned 128-bit; 0 when n < 2.
//! - ticks_in_window counts the window's ticks (carried excluded).
//! - TooLate: t < L - lateness_ms (state unchanged). Duplicate: same t and same micro price as a
//!   held tick (state unchanged). Otherwise Added, placed in its pane whatever the arrival order.
//! Memory: one 6-byte record per non-empty pane in the window (plus a 32-byte record for a pane
//! with several ticks), the monotonic deques of pane minima/maxima, the few panes that can still
//! change (those within lateness_ms of L) and, to recognise duplicates exactly, the ticks of the
//! last lateness_ms — the only part that grows with the tick rate, and a handful at real rates.
#include <cstdint>

#include "src/core/event.hpp"

namespace spotstream {

struct WindowSettings {
  TimestampMs window_ms = 7LL * 24 * 3600 * 1000;
  TimestampMs pane_ms = 5LL * 60 * 1000;
  TimestampMs volatility_ms = 24LL * 3600 * 1000;
  //! How far behind the pool's latest tick a tick may arrive and still be placed exactly.
  TimestampMs lateness_ms = 10LL * 60 * 1000;
};

//! The window's figures as of the pool's latest tick time (pane-aligned windows, see above).
struct WindowStats {
  double min = 0;            //!< over the window's panes (P - N, P], plus the price carried into them
  double max = 0;
  double last_price = 0;     //!< price of the tick with the latest time (ties: the one added last)
  TimestampMs last_ts = 0;
  double volatility_24h = 0; //!< population std dev of tick prices in panes (P - V, P]; 0 if < 2 ticks
  std::uint32_t ticks_in_window = 0;
};

//! PoolLimit is not the window's: the tick's pool would be new past limits.max_pools (PricePath).
enum class TickOutcome { Added, Duplicate, TooLate, PoolLimit };

struct PoolWindowState;  // defined in pool_window_state.hpp

class PoolWindow {
 public:
  //! Throws std::invalid_argument unless the settings meet the constraints above.
  explicit PoolWindow(WindowSettings s = {});
  //! Adds one tick. Duplicate: same time and same price as a tick already held (not counted twice).
  //! TooLate: older than the pool's latest tick minus lateness_ms (state unchanged).
  TickOutcome add(PoolWindowState& state, TimestampMs ts, double price) const;
  //! Hints the cache with the parts of `state` that the next add() of a later tick reads: the
  //! panes it evicts sit far apart (a day and a week back), and fetching them together rather than
  //! one after the other is most of the window's time in a shard with many pools.
  void prefetch(const PoolWindowState& state) const;
  //! Requires at least one added tick.
  WindowStats stats(const PoolWindowState& state) const;
  const WindowSettings& settings() const { return s_; }

 private:
  void advance(PoolWindowState& st, TimestampMs ts) const;

  WindowSettings s_;
  std::int64_t window_panes_ = 0;      //!< N
  std::int64_t volatility_panes_ = 0;  //!< V
};

}  // namespace spotstream
