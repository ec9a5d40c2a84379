// End-to-end throughput of the live runtime: canonical price ticks already on the embedded broker,
// consumed, decoded, routed to shards and accounted for, with signals and fleet events mixed in.
// The clock runs from the first message the source reads: to the last one read (the rate), to the
// last one processed by its shard, and to the end of run() once the idle exit (`idle_ms`, counted
// apart) has found nothing more: outputs delivered to spot.risk and spot.decisions and offsets
// committed. The consumer group's join delay is not counted. Prints messages/s; asserts nothing,
// but marks the run failed unless every message was read and processed.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <thread>

#include "bench/bench_settings.hpp"
#include "bench/no_listener.hpp"
#include "bench/runtime_only_plan.hpp"
#include "src/feed/event_publisher.hpp"
#include "src/feed/synth_market.hpp"
#include "src/kafka/embedded_cluster.hpp"
#include "src/kafka/kafka_source.hpp"
#include "src/runtime/pipeline.hpp"
#include "topology/kafka_io.hpp"
#include "topology/live_topology.hpp"
#include "topology/process_metrics.hpp"

using namespace spotstream;

namespace {

//! An embedded broker holding the default synthetic market (~484k events on 32 partitions).
struct Market {
  EmbeddedCluster cluster{1};
  Config cfg;
  std::uint64_t total = 0;

  Market() {
  for (const char* t : {"topics.prices", "topics.signals", "topics.fleet", "topics.decisions", "topics.risk", "topics.dlq"})
      cluster.create_topic(cfg.get_string(t), 32);
    cluster.configure_clients(cfg);  // as spotstream sets up its embedded broker (a 10 ms fetch wait)
    cfg.set("log.level", "warn");
    cfg.set("runtime.idle_exit_ms", "300");
    bench::apply_settings(cfg, "BENCH_SET");  // e.g. runtime.control_grace_ms=0
    EventPublisher pub(cfg);
    total = SynthMarket(SynthOptions{}).generate([&](const Event& e) { pub.publish(e); }).total();
    pub.flush();
  }
};

//! CPU time this process has used (every thread: the embedded broker's and librdkafka's too).
double process_cpu_s() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  const auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

}  // namespace

// The ceiling: the same consumer configuration reading the same messages and doing nothing else.
static void BM_ConsumeOnly(benchmark::State& state) {
  Market m;
  for (auto _ : state) {
    bench::NoListener l;
    KafkaSource src(m.cfg, kafka_inputs(m.cfg), l);
    std::uint64_t n = 0;
    while (n == 0) n += src.poll(1024, 100, [](const KafkaSource::Record&) {});
    const auto first = std::chrono::steady_clock::now();
    const double cpu0 = process_cpu_s();
    while (n < m.total) n += src.poll(1024, 100, [](const KafkaSource::Record&) {});
    if (n != m.total) state.SkipWithError("read more messages than were published");
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - first).count();
    state.SetIterationTime(wall);
    state.counters["cpu_us_per_msg"] = (process_cpu_s() - cpu0) * 1e6 / static_cast<double>(m.total);
    state.counters["cores_busy"] = (process_cpu_s() - cpu0) / wall;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(m.total) * state.iterations());
  state.counters["messages"] = static_cast<double>(m.total);
}
BENCHMARK(BM_ConsumeOnly)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);

namespace {

// The pipeline over the market with the shards' logic `plan` makes of the configuration, once per
// iteration (each in a new consumer group).
void run_pipeline(benchmark::State& state, const std::function<ShardPlan(const Config&)>& plan) {
  Market market;
  Config cfg = market.cfg;
  const auto total = market.total;
  cfg.set("runtime.shards", std::to_string(state.range(0)));
  const double idle_s = static_cast<double>(cfg.get_int("runtime.idle_exit_ms")) / 1000.0;
  double processed_s = 0, finished_s = 0;
  std::uint64_t outputs = 0, held = 0, released_early = 0;
  for (auto _ : state) {
    ProcessMetrics metrics;
    std::atomic<bool> stop{false};
    std::chrono::steady_clock::time_point first, last, processed;
    double cpu_first = 0, cpu_last = 0;
    std::thread watch([&] {
      while (metrics.messages_in.get() == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
      first = std::chrono::steady_clock::now();
      cpu_first = process_cpu_s();
      while (metrics.messages_in.get() < total) std::this_thread::sleep_for(std::chrono::microseconds(200));
      last = std::chrono::steady_clock::now();
      cpu_last = process_cpu_s();
      while (metrics.events_processed.get() < total) std::this_thread::sleep_for(std::chrono::microseconds(200));
      processed = std::chrono::steady_clock::now();
    });
    Pipeline p(cfg, plan(cfg), metrics, kafka_io(cfg));
    const int rc = p.run(stop);
    const auto finished = std::chrono::steady_clock::now();
    watch.join();
    if (rc != 0 || metrics.messages_in.get() != total) state.SkipWithError("the pipeline did not read every message");
    const auto secs = [&](auto t) { return std::chrono::duration<double>(t - first).count(); };
    state.SetIterationTime(secs(last));
    state.counters["cpu_us_per_msg"] = (cpu_last - cpu_first) * 1e6 / static_cast<double>(total);
    state.counters["cores_busy"] = (cpu_last - cpu_first) / secs(last);
    processed_s = secs(processed);
    finished_s = secs(finished) - idle_s;
    outputs = metrics.outputs_delivered.get();
    held = metrics.ticks_held.get();
    released_early = metrics.ticks_released_early.get();
    cfg.set("consumer.group", "bench-" + std::to_string(state.iterations()));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(total) * state.iterations());
  state.counters["messages"] = static_cast<double>(total);
  state.counters["processed_s"] = processed_s;
  state.counters["finished_s"] = finished_s;  // outputs delivered and offsets committed, idle exit excluded
  state.counters["outputs"] = static_cast<double>(outputs);
  state.counters["ticks_held"] = static_cast<double>(held);  // waited for the fleet and signals inputs
  state.counters["released_early"] = static_cast<double>(released_early);
}

}  // namespace

static void BM_PipelineEndToEnd(benchmark::State& state) {
  run_pipeline(state, [](const Config& cfg) { return live_topology(cfg); });
}
BENCHMARK(BM_PipelineEndToEnd)->Arg(1)->Arg(2)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);

// The runtime alone: the same source, routing, holding and queues, with shards that do nothing with
// what they get (no windows, scores, outputs or risk table): what is left of the gap to the bare
// consumer is the runtime's and the machine's, not the operators'.
static void BM_PipelineSourceOnly(benchmark::State& state) { run_pipeline(state, bench::runtime_only_plan); }
BENCHMARK(BM_PipelineSourceOnly)->Arg(1)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
