// Warm start at scale: how long a new member takes to rebuild its windows from the log before it
// can go live. A price topic on the embedded broker holds POOLS pools x DAYS days of 5-minute ticks
// (default 10,000 x 7 = 20.2 million ticks, ~3.3 GB, over 768 partitions so that the mock broker's
// ~5 MiB per partition keeps them all); a pipeline in a new group with consumer.offset_reset=latest
// re-reads all of it as history (replay: state only, nothing published). The clock runs from the
// first message the source reads to the moment the last one is routed to a shard (shard lanes are
// bounded, so processing trails by at most their capacity).
// Env: POOLS, DAYS, SHARDS (default 2), BENCH_SET (extra config, e.g. kafka.fetch.max.bytes=...).
// Prints figures; asserts nothing.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/resource.h>
#include <thread>

#include "src/codec/json_encoder.hpp"
#include "src/kafka/embedded_cluster.hpp"
#include "src/kafka/kafka_producer.hpp"
#include "src/runtime/pipeline.hpp"
#include "topology/live_topology.hpp"

using namespace spotstream;
using Clock = std::chrono::steady_clock;

namespace {

long env_or(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return v ? std::atol(v) : fallback;
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

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
    t.instance_type = "f" + std::to_string(i / 160) + "." + sizes[(i / 20) % 8];
    t.product = "Linux/UNIX";
    t.spot_price = 0.05 + 0.001 * static_cast<double>(i % 97);
    out.push_back(t);
  }
  return out;
}

}  // namespace

int main() {
  const long n_pools = env_or("POOLS", 10'000), days = env_or("DAYS", 7), shards = env_or("SHARDS", 2);
  const long steps = days * 288;
  EmbeddedCluster cluster(1);
  Config cfg;
  cluster.create_topic(cfg.get_string("topics.prices"), 768);
  for (const char* t : {"topics.signals", "topics.fleet", "topics.decisions", "topics.risk", "topics.dlq"})
    cluster.create_topic(cfg.get_string(t), 4);
  cfg.set("kafka.bootstrap.servers", cluster.bootstraps());
  cfg.set("log.level", "warn");
  cfg.set("runtime.shards", std::to_string(shards));
  if (const char* extra = std::getenv("BENCH_SET")) cfg.set_assignment(extra);

  auto ps = pools(n_pools);
  const TimestampMs start = 1735689600000;
  std::printf("publishing %ld pools x %ld days of 5-minute ticks = %ld ticks...\n", n_pools, days, n_pools * steps);
  const auto t_pub = Clock::now();
  {
    Config pub = cfg;  // bigger batches: 768 partitions spread the messages thin
    pub.set("kafka.linger.ms", "200");
    pub.set("kafka.batch.num.messages", "10000");
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
  const double pub_s = seconds_since(t_pub);
  const long total = n_pools * steps;
  std::printf("published in %.1f s (%.2f M msg/s)\n", pub_s, static_cast<double>(total) / pub_s / 1e6);

  cfg.set("consumer.group", "warm-start-bench");
  cfg.set("consumer.offset_reset", "latest");  // a new member: the whole log is history
  RuntimeMetrics metrics;
  std::atomic<bool> stop{false};
  Clock::time_point first{}, done{};
  std::thread runner([&] {
    Pipeline p(cfg, live_topology(cfg), metrics);
    p.run(stop);
  });
  while (metrics.messages_replayed.get() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  first = Clock::now();
  while (metrics.messages_replayed.get() + metrics.messages_skipped.get() < static_cast<std::uint64_t>(total))
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  done = Clock::now();
  stop = true;
  runner.join();
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const double s = std::chrono::duration<double>(done - first).count();
  std::printf("warm start: %lu ticks re-read in %.1f s (%.2f M ticks/s) with %ld shard(s); "
              "%lu risk records published during it (expected 0); peak RSS %.0f MiB (broker included)\n",
              static_cast<unsigned long>(metrics.messages_replayed.get()), s,
              static_cast<double>(metrics.messages_replayed.get()) / s / 1e6, shards,
              static_cast<unsigned long>(metrics.risk_records.get()), static_cast<double>(ru.ru_maxrss) / 1024.0);
  return 0;
}
