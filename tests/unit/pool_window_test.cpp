// PoolWindow against an independent brute-force reference (every accepted tick kept, figures
// recomputed from scratch by the definitions in pool_window.hpp) on long random streams, plus
// hand-computed cases and memory bounds.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

#include "operators/price/pool_window.hpp"
#include "operators/price/pool_window_state.hpp"
#include "src/core/time.hpp"

using namespace spotstream;

namespace {

// ---- The reference: tick-level, no panes kept, no incremental state. ----
class Reference {
 public:
  explicit Reference(WindowSettings s) : s_(s) {}

  TickOutcome add(TimestampMs ts, double price) {
    const std::int64_t m = std::llround(price * 1e6);
    if (!ticks_.empty()) {
      TimestampMs latest = ticks_.back().ts;
      if (ts < latest - s_.lateness_ms) return TickOutcome::TooLate;
      for (const Tick& t : ticks_)
        if (t.ts == ts && t.micros == m) return TickOutcome::Duplicate;
    }
    Tick t{ts, m, seq_++};
    // Sorted by (time, arrival): the last element is the latest tick, ties broken by arrival.
    auto at = std::upper_bound(ticks_.begin(), ticks_.end(), t,
                               [](const Tick& a, const Tick& b) { return a.ts < b.ts || (a.ts == b.ts && a.seq < b.seq); });
    ticks_.insert(at, t);
    return TickOutcome::Added;
  }

  WindowStats stats() const {
    const Tick& last = ticks_.back();
    const std::int64_t p = pane(last.ts);
    const std::int64_t n_win = s_.window_ms / s_.pane_ms, n_vol = s_.volatility_ms / s_.pane_ms;
    std::int64_t lo = INT64_MAX, hi = INT64_MIN, n = 0, sum = 0;
    unsigned __int128 sumsq = 0;
    std::uint32_t in_window = 0;
    for (auto it = ticks_.rbegin(); it != ticks_.rend(); ++it) {
      const std::int64_t q = pane(it->ts);
      if (q <= p - n_win) {  // the first one met backwards is the price carried into the window
        lo = std::min(lo, it->micros);
        hi = std::max(hi, it->micros);
        break;
      }
      lo = std::min(lo, it->micros);
      hi = std::max(hi, it->micros);
      ++in_window;
      if (q > p - n_vol) {
        ++n;
        sum += it->micros;
        sumsq += static_cast<unsigned __int128>(it->micros * it->micros);
      }
    }
    WindowStats w;
    w.min = static_cast<double>(lo) / 1e6;
    w.max = static_cast<double>(hi) / 1e6;
    w.last_price = static_cast<double>(last.micros) / 1e6;
    w.last_ts = last.ts;
    w.ticks_in_window = in_window;
    if (n >= 2) {
      const auto s = static_cast<unsigned __int128>(sum);
      const unsigned __int128 num = static_cast<unsigned __int128>(n) * sumsq - s * s;
      w.volatility_24h = std::sqrt(static_cast<double>(num)) / (static_cast<double>(n) * 1e6);
    }
    return w;
  }

 private:
  struct Tick {
    TimestampMs ts;
    std::int64_t micros;
    std::uint64_t seq;
  };
  std::int64_t pane(TimestampMs t) const {
    return t >= 0 ? t / s_.pane_ms : -((-t + s_.pane_ms - 1) / s_.pane_ms);
  }
  WindowSettings s_;
  std::vector<Tick> ticks_;
  std::uint64_t seq_ = 0;
};

// ---- Random streams. ----
struct Shape {
  TimestampMs mean_gap;      // between ticks
  double out_of_order = 0;   // share of ticks sent back in time (some beyond lateness)
  double duplicate = 0;      // share of exact repeats of a recent tick
  double same_ts = 0;        // share at the latest time with another price
  double gap_days = 0;       // share followed by 3-10 silent days
  double flat = 0;           // share of steps with no price change
  double spike = 0;          // share of steps that spike x2-x4
  bool on_boundaries = false;  // snap times to pane/window boundaries
};

void expect_same(const WindowStats& a, const WindowStats& b, const char* what, std::size_t i) {
  EXPECT_EQ(a.min, b.min) << what << " tick " << i;
  EXPECT_EQ(a.max, b.max) << what << " tick " << i;
  EXPECT_EQ(a.last_price, b.last_price) << what << " tick " << i;
  EXPECT_EQ(a.last_ts, b.last_ts) << what << " tick " << i;
  EXPECT_EQ(a.volatility_24h, b.volatility_24h) << what << " tick " << i;
  EXPECT_EQ(a.ticks_in_window, b.ticks_in_window) << what << " tick " << i;
}

// Runs `count` ticks of one shape through both and compares after every tick; returns the counts
// of outcomes so the test can check each path was exercised.
std::array<int, 3> run(const WindowSettings& s, const Shape& sh, std::uint64_t seed, int count,
                       const char* what) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  PoolWindow op(s);
  PoolWindowState st;
  Reference ref(s);
  std::array<int, 3> outcomes{};
  std::vector<std::pair<TimestampMs, double>> sent;
  TimestampMs t = 1'700'000'000'000 + static_cast<TimestampMs>(rng() % (10 * kDayMs));
  std::int64_t micros = 100'000 + static_cast<std::int64_t>(rng() % 3'000'000);
  for (int i = 0; i < count; ++i) {
    TimestampMs ts;
    std::int64_t m = micros;
    const double r = u(rng);
    if (!sent.empty() && r < sh.duplicate) {
      const auto& d = sent[sent.size() - 1 - rng() % std::min<std::size_t>(sent.size(), 8)];
      ts = d.first;
      m = std::llround(d.second * 1e6);
    } else if (!sent.empty() && r < sh.duplicate + sh.out_of_order) {
      ts = t - static_cast<TimestampMs>(rng() % static_cast<std::uint64_t>(s.lateness_ms * 3 / 2 + 2));
    } else if (r < sh.duplicate + sh.out_of_order + sh.same_ts) {
      ts = t;
      m += static_cast<std::int64_t>(rng() % 2001) - 1000;
    } else {
      t += 1 + static_cast<TimestampMs>(rng() % static_cast<std::uint64_t>(2 * sh.mean_gap));
      if (u(rng) < sh.gap_days) t += 3 * kDayMs + static_cast<TimestampMs>(rng() % (7 * kDayMs));
      if (sh.on_boundaries && u(rng) < 0.5) {
        const TimestampMs unit = u(rng) < 0.5 ? s.pane_ms : s.window_ms;
        t = (t / unit + 1) * unit - (u(rng) < 0.3 ? 1 : 0);
      }
      ts = t;
      if (u(rng) >= sh.flat) micros += static_cast<std::int64_t>(rng() % 2001) - 1000;
      micros = std::clamp<std::int64_t>(micros, 1000, 900'000'000);
      m = micros;
      if (u(rng) < sh.spike) m = micros * (2 + static_cast<std::int64_t>(rng() % 3));
    }
    const double price = static_cast<double>(m) / 1e6;
    const TickOutcome want = ref.add(ts, price);
    const TickOutcome got = op.add(st, ts, price);
    EXPECT_EQ(static_cast<int>(got), static_cast<int>(want)) << what << " tick " << i << " ts " << ts;
    ++outcomes[static_cast<std::size_t>(got)];
    if (got == TickOutcome::Added) sent.emplace_back(ts, price);
    expect_same(op.stats(st), ref.stats(), what, static_cast<std::size_t>(i));
    if (::testing::Test::HasFailure()) return outcomes;
  }
  return outcomes;
}

WindowSettings hour_minute() {
  return WindowSettings{.window_ms = kHourMs, .pane_ms = kMinuteMs, .volatility_ms = 20 * kMinuteMs, .lateness_ms = 3 * kMinuteMs};
}

}  // namespace

// ---- Hand-computed cases. ----

TEST(PoolWindow, CarriedPriceAtWindowStartCounts) {
  PoolWindow op;  // 7 days, 5-minute panes: N = 2016
  PoolWindowState st;
  op.add(st, 0, 1.0);          // pane 0
  op.add(st, kDayMs, 0.5);       // pane 288
  op.add(st, 7 * kDayMs + 10 * kMinuteMs, 0.7);  // pane 2018: window is panes (2, 2018]
  WindowStats w = op.stats(st);
  EXPECT_EQ(w.min, 0.5);
  EXPECT_EQ(w.max, 1.0);  // the 1.0 tick is before the window but still in effect at its start
  EXPECT_EQ(w.ticks_in_window, 2u);
  op.add(st, 8 * kDayMs + 5 * kMinuteMs, 0.6);  // pane 2305: window (289, 2305]; 0.5 is now carried
  w = op.stats(st);
  EXPECT_EQ(w.min, 0.5);
  EXPECT_EQ(w.max, 0.7);
  EXPECT_EQ(w.ticks_in_window, 2u);
  EXPECT_EQ(w.last_price, 0.6);
  EXPECT_EQ(w.last_ts, 8 * kDayMs + 5 * kMinuteMs);
}

TEST(PoolWindow, FlatPoolHasMinEqualMaxAndNoVolatility) {
  PoolWindow op;
  PoolWindowState st;
  for (int i = 0; i < 3000; ++i) op.add(st, i * 5 * kMinuteMs + 17, 0.2513);
  const WindowStats w = op.stats(st);
  EXPECT_EQ(w.min, 0.2513);
  EXPECT_EQ(w.max, 0.2513);
  EXPECT_EQ(w.volatility_24h, 0.0);
  EXPECT_EQ(w.ticks_in_window, 2016u);
}

TEST(PoolWindow, VolatilityIsPopulationStdDevOverTheLastDay) {
  PoolWindow op;
  PoolWindowState st;
  op.add(st, 0, 5.0);  // more than 24 h before the others: out of the volatility window
  op.add(st, 2 * kDayMs, 1.0);
  op.add(st, 2 * kDayMs + kHourMs, 2.0);
  op.add(st, 2 * kDayMs + 2 * kHourMs, 3.0);
  const WindowStats w = op.stats(st);
  EXPECT_DOUBLE_EQ(w.volatility_24h, std::sqrt(2.0 / 3.0));
  EXPECT_EQ(w.min, 1.0);
  EXPECT_EQ(w.max, 5.0);
}

TEST(PoolWindow, DuplicatesLateAndOutOfOrderTicks) {
  PoolWindow op;  // lateness 10 minutes
  PoolWindowState st;
  EXPECT_EQ(op.add(st, 20 * kMinuteMs, 1.0), TickOutcome::Added);
  EXPECT_EQ(op.add(st, 20 * kMinuteMs, 1.0), TickOutcome::Duplicate);
  EXPECT_EQ(op.add(st, 20 * kMinuteMs, 2.0), TickOutcome::Added);  // same time, other price: a new tick
  EXPECT_EQ(op.add(st, 10 * kMinuteMs - 1, 0.1), TickOutcome::TooLate);
  EXPECT_EQ(op.add(st, 10 * kMinuteMs, 0.5), TickOutcome::Added);  // exactly at the lateness bound
  const WindowStats w = op.stats(st);
  EXPECT_EQ(w.min, 0.5);
  EXPECT_EQ(w.max, 2.0);
  EXPECT_EQ(w.last_price, 2.0);  // the latest time; of the two at 20 min, the one added last
  EXPECT_EQ(w.ticks_in_window, 3u);
}

TEST(PoolWindow, WindowEdgeIsPaneAligned) {
  PoolWindow op(hour_minute());  // N = 60 one-minute panes
  PoolWindowState st;
  op.add(st, 0, 3.0);                 // pane 0
  op.add(st, kMinuteMs + 59 * kSecondMs, 1.0);  // pane 1
  op.add(st, kHourMs, 2.0);             // pane 60: window (0, 60], so pane 0 is carried
  EXPECT_EQ(op.stats(st).ticks_in_window, 2u);
  EXPECT_EQ(op.stats(st).max, 3.0);
  op.add(st, 2 * kHourMs - 1, 2.0);     // pane 119: window (59, 119]; 1.0 carried, 3.0 gone
  EXPECT_EQ(op.stats(st).ticks_in_window, 2u);
  EXPECT_EQ(op.stats(st).max, 2.0);
  EXPECT_EQ(op.stats(st).min, 1.0);
}

TEST(PoolWindow, PricesRoundToMicroDollarsAsLlroundDoes) {
  PoolWindow op;
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(0, 2000);
  for (int i = 0; i < 200000; ++i) {
    // Arbitrary doubles, and exact half micro-dollars where rounding direction matters.
    const double price = i % 2 ? u(rng) : (static_cast<double>(rng() % 2'000'000'000) + 0.5) / 1e6;
    PoolWindowState st;
    op.add(st, 0, price);
    ASSERT_EQ(op.stats(st).last_price, static_cast<double>(std::llround(price * 1e6)) / 1e6) << price;
  }
}

TEST(PoolWindow, RejectsSettingsItCannotHonour) {
  EXPECT_THROW(PoolWindow(WindowSettings{.pane_ms = 7 * kMinuteMs}), std::invalid_argument);
  EXPECT_THROW(PoolWindow(WindowSettings{.window_ms = kHourMs, .volatility_ms = kDayMs}), std::invalid_argument);
  EXPECT_THROW(PoolWindow(WindowSettings{.window_ms = 70'000, .pane_ms = 1, .volatility_ms = 1000}),
               std::invalid_argument);
  EXPECT_THROW(PoolWindow(WindowSettings{.pane_ms = 0}), std::invalid_argument);
}

// ---- Property tests against the reference. ----

struct StreamCase {
  const char* name;
  WindowSettings s;
  Shape shape;
  int ticks;
};

TEST(PoolWindowProperty, MatchesReferenceExactlyOnRandomStreams) {
  const WindowSettings def{};
  const WindowSettings tiny{.window_ms = 600, .pane_ms = 10, .volatility_ms = 200, .lateness_ms = 35};
  const WindowSettings late_past_window{.window_ms = 100, .pane_ms = 10, .volatility_ms = 50, .lateness_ms = 170};
  const WindowSettings wrap16{.window_ms = 65536, .pane_ms = 1, .volatility_ms = 4096, .lateness_ms = 20};
  const WindowSettings no_lateness{.window_ms = kHourMs, .pane_ms = kMinuteMs, .volatility_ms = kHourMs, .lateness_ms = 0};
  const std::vector<StreamCase> configs = {
      {"5-minute ticks", def, {.mean_gap = 5 * kMinuteMs, .out_of_order = 0.1, .duplicate = 0.05, .spike = 0.01}, 5000},
      {"dense", def, {.mean_gap = 20 * kSecondMs, .out_of_order = 0.2, .duplicate = 0.1, .same_ts = 0.05}, 6000},
      {"sparse with gaps of days", def,
       {.mean_gap = 3 * kHourMs, .out_of_order = 0.1, .duplicate = 0.05, .gap_days = 0.05, .flat = 0.5}, 1500},
      {"flat with spikes", def, {.mean_gap = 5 * kMinuteMs, .duplicate = 0.02, .flat = 0.98, .spike = 0.02}, 4000},
      {"boundaries", def, {.mean_gap = 2 * kHourMs, .out_of_order = 0.1, .duplicate = 0.1, .on_boundaries = true}, 2000},
      {"1h window, 1-min panes", hour_minute(),
       {.mean_gap = 40 * kSecondMs, .out_of_order = 0.2, .duplicate = 0.05, .same_ts = 0.05, .gap_days = 0.002,
        .on_boundaries = true}, 6000},
      {"tiny panes", tiny, {.mean_gap = 6, .out_of_order = 0.3, .duplicate = 0.1, .same_ts = 0.1, .gap_days = 0.001}, 6000},
      {"lateness beyond window", late_past_window,
       {.mean_gap = 8, .out_of_order = 0.4, .duplicate = 0.05, .same_ts = 0.05}, 4000},
      {"16-bit pane wrap", wrap16, {.mean_gap = 40, .out_of_order = 0.2, .duplicate = 0.05, .spike = 0.01}, 8000},
      {"no lateness", no_lateness,
       {.mean_gap = 30 * kSecondMs, .out_of_order = 0.2, .duplicate = 0.1, .same_ts = 0.1, .on_boundaries = true}, 4000},
  };
  for (const StreamCase& c : configs) {
    std::array<int, 3> total{};
    for (std::uint64_t seed = 1; seed <= 12; ++seed) {
      const auto o = run(c.s, c.shape, seed * 7919 + c.ticks, c.ticks, c.name);
      for (int k = 0; k < 3; ++k) total[k] += o[k];
      if (HasFailure()) return;
    }
    EXPECT_GT(total[0], 0) << c.name;
    if (c.shape.duplicate > 0) {
      EXPECT_GT(total[1], 0) << c.name << ": no duplicate exercised";
    }
    if (c.shape.out_of_order > 0 && c.s.lateness_ms > 0) {
      EXPECT_GT(total[2], 0) << c.name << ": no late tick";
    }
  }
}

// ---- Memory. ----

TEST(PoolWindow, MemoryPerWarmPoolAtFiveMinuteTicksIsUnder16KiB) {
  PoolWindow op;
  PoolWindowState st;
  std::mt19937_64 rng(3);
  std::int64_t m = 500'000;
  for (int i = 0; i < 3 * 2016; ++i) {
    m += static_cast<std::int64_t>(rng() % 201) - 100;
    op.add(st, i * 5 * kMinuteMs + static_cast<TimestampMs>(rng() % 1000), static_cast<double>(m) / 1e6);
  }
  EXPECT_EQ(op.stats(st).ticks_in_window, 2016u);
  EXPECT_LT(memory_bytes(st), 16u * 1024);
}

TEST(PoolWindow, MemoryIsSmallWhenSparseAndBoundedWhenDense) {
  PoolWindow op;
  PoolWindowState sparse;
  for (int i = 0; i < 30 * 6; ++i) op.add(sparse, i * 4 * kHourMs, 0.1 + 0.001 * (i % 7));
  EXPECT_LT(memory_bytes(sparse), 1024u);

  PoolWindowState dense;  // a tick a second: per-pane aggregates, not per-tick storage
  std::size_t at_8_days = 0;
  for (TimestampMs t = 0; t <= 9 * kDayMs; t += kSecondMs) {
    op.add(dense, t, 0.1 + 0.000001 * static_cast<double>((t / kSecondMs) % 1000));
    if (t == 8 * kDayMs) at_8_days = memory_bytes(dense);
  }
  EXPECT_EQ(memory_bytes(dense), at_8_days);
  EXPECT_LT(at_8_days, 2016u * (6 + 48 + 12) + 601 * 16 * 2 + 4096);
}
