// Pool window throughput and memory. Throughput: add()+stats() per tick on one core, ticks sent
// round-robin over many warm pools (7 days of 5-minute ticks already held, so every tick seals and
// evicts a pane: the steady state), so each tick finds its pool's state out of L1 as in a shard.
// Memory: accounted bytes per warm pool (memory_bytes) and the process's resident-set growth while
// warming the pools, per pool and for 100,000 pools.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <fstream>
#include <vector>

#include <unistd.h>

#include "operators/price/pool_window.hpp"
#include "operators/price/pool_window_state.hpp"

using namespace spotstream;

namespace {

constexpr TimestampMs kTick = 5 * 60 * 1000;
constexpr int kWarmTicks = 7 * 24 * 12;  // 7 days of 5-minute ticks

std::uint64_t next(std::uint64_t& x) {  // xorshift64*: cheap and deterministic
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  return x * 0x2545F4914F6CDD1DULL;
}

//! A pool's feed: 5-minute ticks with a few seconds of jitter (so a pane now and then holds two
//! ticks or none) and small price steps, flat for long stretches as real pools are.
struct Feed {
  TimestampMs t;
  std::int64_t micros;
  std::uint64_t rng;
  void step() {
    const std::uint64_t r = next(rng);
    t += kTick + static_cast<TimestampMs>(r % 8001) - 4000;
    if ((r >> 20) % 4 == 0) micros += static_cast<std::int64_t>((r >> 32) % 2001) - 1000;
    if (micros < 10'000) micros = 10'000;
  }
  double price() const { return static_cast<double>(micros) / 1e6; }
};

struct Pools {
  PoolWindow op;
  std::vector<PoolWindowState> states;
  std::vector<Feed> feeds;
  explicit Pools(std::size_t n) : states(n), feeds(n) {
    std::uint64_t seed = 0x9E3779B97F4A7C15ULL;
    for (std::size_t i = 0; i < n; ++i) {
      feeds[i] = Feed{1'735'689'600'000 + static_cast<TimestampMs>(next(seed) % kTick),
                      50'000 + static_cast<std::int64_t>(next(seed) % 3'000'000), next(seed) | 1};
    }
    // Pool by pool: the same end state as interleaved feeds (each pool's state depends only on
    // its own ticks), and 100,000 pools warm in seconds instead of minutes of cache misses.
    for (std::size_t i = 0; i < n; ++i)
      for (int k = 0; k < kWarmTicks; ++k) {
        feeds[i].step();
        op.add(states[i], feeds[i].t, feeds[i].price());
      }
  }
  double bytes_per_pool() const {
    std::size_t total = 0;
    for (const auto& s : states) total += memory_bytes(s);
    return static_cast<double>(total) / static_cast<double>(states.size());
  }
};

double rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  long size = 0, resident = 0;
  statm >> size >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

void BM_AddStats(benchmark::State& state) {
  Pools pools(static_cast<std::size_t>(state.range(0)));
  const std::size_t n = pools.states.size();
  std::size_t i = 0;
  double sink = 0;
  for (auto _ : state) {
    Feed& f = pools.feeds[i];
    f.step();
    pools.op.add(pools.states[i], f.t, f.price());
    const WindowStats w = pools.op.stats(pools.states[i]);
    sink += w.min + w.max + w.volatility_24h;
    if (++i == n) i = 0;
  }
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(state.iterations());
  state.counters["bytes_per_pool"] = pools.bytes_per_pool();
}

// The feed's own cost (time step and price step), to subtract from BM_AddStats.
void BM_FeedOnly(benchmark::State& state) {
  std::vector<Feed> feeds(static_cast<std::size_t>(state.range(0)), Feed{0, 500'000, 88172645463325252ULL});
  std::size_t i = 0;
  double sink = 0;
  for (auto _ : state) {
    feeds[i].step();
    sink += feeds[i].price();
    if (++i == feeds.size()) i = 0;
  }
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(state.iterations());
}

// Warms N pools once and reports resident memory: accounted bytes per pool and RSS growth.
void BM_WarmPoolsMemory(benchmark::State& state) {
  for (auto _ : state) {
    const double before = rss_bytes();
    Pools pools(static_cast<std::size_t>(state.range(0)));
    const double after = rss_bytes();
    state.counters["pools"] = static_cast<double>(pools.states.size());
    state.counters["bytes_per_pool"] = pools.bytes_per_pool();
    state.counters["rss_per_pool"] = (after - before) / static_cast<double>(pools.states.size());
    state.counters["rss_MiB"] = (after - before) / (1024.0 * 1024.0);
    state.counters["ticks_in_window"] = pools.op.stats(pools.states[0]).ticks_in_window;
  }
}

}  // namespace

BENCHMARK(BM_AddStats)->Arg(1)->Arg(100)->Arg(1000)->Arg(10000);
BENCHMARK(BM_FeedOnly)->Arg(1000);
BENCHMARK(BM_WarmPoolsMemory)->Arg(100000)->Iterations(1)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
