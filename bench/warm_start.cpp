// Warm start at scale: how long a new member takes to rebuild its windows from the log before it
// can go live. A price topic on the embedded broker holds POOLS pools x DAYS days of 5-minute ticks
// (default 10,000 x 7 = 20.2 million ticks, ~3.3 GB of JSON, over 768 partitions so that the mock
// broker's ~5 MiB per partition keeps them all); a pipeline in a new group with
// consumer.offset_reset=latest re-reads all of it as history (replay: state only, nothing
// published).
// Three figures, each timed on its own:
// - publish: the bench's producer writing the ticks (lz4, large batches, see publish());
// - consume only: a bare consumer with the pipeline's consumer settings reading every message and
//   doing nothing with it: the ceiling the broker and librdkafka set on this machine;
// - source only: the same warm start with shards that do nothing (decode, route, queues): the
//   ceiling the source thread sets;
// - warm start: from the first message the source reads to the moment every replayed tick has
//   been processed by its shard (windows, family stress, features, score, the risk table).
// Env: POOLS, DAYS, SHARDS (default 2), BENCH_SET (extra config, e.g. kafka.fetch.max.bytes=...),
// PHASES (default "consume,source,warm": which read phases to run after publishing),
// PUBLISH_SET (extra config for the bench's producer only, e.g. kafka.linger.ms=5 for a producer
// that batches like a live feed).
// Prints figures; asserts nothing. The machine's cores are shared: figures are noisy.
#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <pthread.h>
#include <sys/resource.h>
#include <time.h>
#include <thread>

#include "bench/bench_settings.hpp"
#include "bench/runtime_only_plan.hpp"
#include "src/codec/json_encoder.hpp"
#include "src/kafka/embedded_cluster.hpp"
#include "src/kafka/kafka_conf.hpp"
#include "src/kafka/kafka_producer.hpp"
#include "src/runtime/pipeline.hpp"
#include "topology/kafka_io.hpp"
#include "topology/live_topology.hpp"
#include "topology/process_metrics.hpp"

using namespace spotstream;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kPartitions = 768;

long env_or(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return v ? std::atol(v) : fallback;
}

bool phase(const char* name) {
  const char* v = std::getenv("PHASES");
  return std::strstr(v ? v : "consume,source,warm", name) != nullptr;
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double thread_cpu_seconds(std::thread& t) {
  clockid_t id;
  timespec ts{};
  if (pthread_getcpuclockid(t.native_handle(), &id) != 0 || clock_gettime(id, &ts) != 0) return 0;
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Resident memory now (VmRSS), MiB.
double rss_mib() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return 0;
  char line[256];
  double kb = 0;
  while (std::fgets(line, sizeof line, f))
    if (std::sscanf(line, "VmRSS: %lf kB", &kb) == 1) break;
  std::fclose(f);
  return kb / 1024.0;
}

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// Real AZ names (so every tick decodes) times made-up families and sizes: POOLS distinct pools.
std::vector<PriceTick> pools(long n) {
  static const char* azs[] = {"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1f",
                              "us-west-2a", "us-west-2b", "us-west-2c", "eu-west-1a", "eu-west-1b",
                              "eu-west-1c", "eu-central-1a", "eu-central-1b", "ap-south-1a", "ap-south-1b",
                              "ap-northeast-1a", "ap-northeast-1c", "sa-east-1a", "ca-central-1a", "us-east-2a"};
  static const char* sizes[] = {"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"};
  std::vector<PriceTick> out;
  for (long i = 0; static_cast<long>(out.size()) < n; ++i) {
    PriceTick t;
    t.az = azs[i % 20];
    t.region = t.az.substr(0, t.az.size() - 1);
    t.instance_type = fmt::format("f{}.{}", i / 160, sizes[(i / 20) % 8]);  // (GCC 12 warns on "f" + string)
    t.product = "Linux/UNIX";
    t.spot_price = 0.05 + 0.001 * static_cast<double>(i % 97);
    out.push_back(t);
  }
  return out;
}

// The ticks in time order (every pool's tick of a 5-minute step, then the next step), as a feed
// publishes them. librdkafka's mock broker answers a fetch with exactly one producer batch per
// partition, whatever the fetch sizes; a real broker sends up to max.partition.fetch.bytes per
// partition. Batches of 64 KiB (~400 ticks) make the mock behave like a real broker with 64 KiB
// partition fetches: every fetch moves every partition on by about the same event time, so the
// prices' progress (the minimum over partitions) advances during the replay and the decision
// shard keeps up with it. With 1 MB batches (librdkafka's default) one fetch holds a whole day of
// a partition: progress stays at its minimum until every partition has been reached, the risk
// table keeps every replayed score until then (5 GB more for 20 M ticks), and the figure measures
// that instead. A producer queue of a million messages lets the batches fill.
void publish(const Config& cfg, std::vector<PriceTick>& ps, long steps, TimestampMs start) {
  Config pub = cfg;
  pub.set("kafka.linger.ms", "1000");
  pub.set("kafka.batch.size", "65536");
  pub.set("kafka.queue.buffering.max.messages", "1000000");
  pub.set("kafka.queue.buffering.max.kbytes", "1048576");
  bench::apply_settings(pub, "PUBLISH_SET");
  KafkaProducer producer(pub);
  const std::string topic = cfg.get_string("topics.prices");
  std::uint64_t x = 88172645463325252ULL;  // xorshift: a small random walk per pool
  for (long s = 0; s < steps; ++s)
    for (auto& t : ps) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      t.ts = start + s * 300'000;
      t.spot_price = std::max(0.001, t.spot_price * (1.0 + (static_cast<double>(x % 2001) - 1000.0) * 1e-5));
      producer.produce(topic, t.routing_key(), encode_price_tick(t), t.ts, nullptr);
    }
  producer.flush(600'000);
}

// A bare consumer with the pipeline's consumer settings, assigned every partition from the start,
// taking messages in batches and dropping them. Returns the seconds from its first message to
// its last.
double consume_only(const Config& cfg, long total) {
  auto conf = make_kafka_conf(cfg, ClientRole::Consumer, {{"group.id", "bench-consume-only"}});
  std::string err;
  std::unique_ptr<RdKafka::KafkaConsumer> c(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!c) throw std::runtime_error(err);
  std::vector<RdKafka::TopicPartition*> parts;
  for (int p = 0; p < kPartitions; ++p)
    parts.push_back(RdKafka::TopicPartition::create(cfg.get_string("topics.prices"), p, RdKafka::Topic::OFFSET_BEGINNING));
  c->assign(parts);
  for (auto* p : parts) delete p;
  rd_kafka_queue_t* q = rd_kafka_queue_get_consumer(c->c_ptr());
  std::vector<rd_kafka_message_t*> msgs(4096);
  long n = 0;
  Clock::time_point first{};
  const bool single = std::getenv("CONSUME_SINGLE") != nullptr;
  while (n < total) {
    ssize_t got;
    if (single) {
      msgs[0] = rd_kafka_consumer_poll(c->c_ptr(), 100);
      got = msgs[0] ? 1 : 0;
    } else {
      got = rd_kafka_consume_batch_queue(q, 100, msgs.data(), msgs.size());
    }
    for (ssize_t i = 0; i < got; ++i) {
      if (!msgs[static_cast<std::size_t>(i)]->err) {
        if (n++ == 0) first = Clock::now();
      }
      rd_kafka_message_destroy(msgs[static_cast<std::size_t>(i)]);
    }
  }
  const double s = seconds_since(first);
  rd_kafka_queue_destroy(q);
  c->close();
  return s;
}

// A new member of `group` re-reading the whole topic as history through `logic`. Prints the time
// from its first message to the moment every replayed tick has been processed by its shard.
void warm_start(Config cfg, const char* label, const char* group, const ShardPlan& logic, long total) {
  cfg.set("consumer.group", group);
  cfg.set("consumer.offset_reset", "latest");  // a new member: the whole log is history
  ProcessMetrics metrics;
  std::atomic<bool> stop{false};
  std::thread runner([&] {
    Pipeline p(cfg, logic, metrics, kafka_io(cfg));
    p.run(stop);
  });
  while (metrics.messages_replayed.get() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const auto first = Clock::now();
  const double cpu0 = cpu_seconds(), source0 = thread_cpu_seconds(runner);
  const auto all_read = [&] {
    return metrics.messages_replayed.get() + metrics.messages_skipped.get() >= static_cast<std::uint64_t>(total);
  };
  while (!all_read()) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const double routed_s = seconds_since(first);
  const double source_cpu = thread_cpu_seconds(runner) - source0;
  while (metrics.events_processed.get() < metrics.messages_replayed.get())
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const double s = seconds_since(first);
  const double cpu = cpu_seconds() - cpu0;
  const double rss = rss_mib();
  stop = true;
  runner.join();
  const double n = static_cast<double>(metrics.messages_replayed.get());
  std::printf("%s: %.0f ticks re-read in %.1f s (%.2f M ticks/s; all routed after %.1f s) with %s shard(s); "
              "CPU per tick %.2f us in all (broker included), %.2f us on the source thread; %lu risk records "
              "published during it (expected 0); RSS at the end %.0f MiB (broker and its log included)\n",
              label, n, s, n / s / 1e6, routed_s, cfg.get_string("runtime.shards").c_str(), cpu / n * 1e6,
              source_cpu / n * 1e6, static_cast<unsigned long>(metrics.risk_records.get()), rss);
  std::fflush(stdout);
}

}  // namespace

int main() {
  const long n_pools = env_or("POOLS", 10'000), days = env_or("DAYS", 7), shards = env_or("SHARDS", 2);
  const long steps = days * 288;
  const long total = n_pools * steps;
  EmbeddedCluster cluster(1);
  Config cfg;
  cluster.create_topic(cfg.get_string("topics.prices"), kPartitions);
  for (const char* t : {"topics.signals", "topics.fleet", "topics.decisions", "topics.risk", "topics.dlq"})
    cluster.create_topic(cfg.get_string(t), 4);
  cluster.configure_clients(cfg);  // as spotstream sets up its embedded broker (a 10 ms fetch wait)
  cfg.set("log.level", "warn");
  cfg.set("runtime.shards", std::to_string(shards));
  bench::apply_settings(cfg, "BENCH_SET");

  auto ps = pools(n_pools);
  std::printf("publishing %ld pools x %ld days of 5-minute ticks = %ld ticks...\n", n_pools, days, total);
  std::fflush(stdout);
  auto t0 = Clock::now();
  double cpu0 = cpu_seconds();
  publish(cfg, ps, steps, 1735689600000);
  double s = seconds_since(t0);
  std::printf("publish: %.1f s (%.2f M msg/s), %.1f CPU s (broker included)\n", s, static_cast<double>(total) / s / 1e6,
              cpu_seconds() - cpu0);
  std::fflush(stdout);

  if (phase("consume")) {
    cpu0 = cpu_seconds();
    s = consume_only(cfg, total);
    std::printf("consume only: %.1f s (%.2f M msg/s), CPU per message %.2f us (broker included)\n", s,
                static_cast<double>(total) / s / 1e6, (cpu_seconds() - cpu0) / static_cast<double>(total) * 1e6);
    std::fflush(stdout);
  }

  if (phase("source"))
    warm_start(cfg, "source only", "warm-start-bench-source", bench::runtime_only_plan(cfg), total);
  if (phase("warm")) warm_start(cfg, "warm start", "warm-start-bench", live_topology(cfg), total);
  return 0;
}
