// Signal -> decision latency over MQTT while price ticks flow through Kafka: a plain timed
// harness (percentiles), not Google Benchmark. In one process: the embedded Kafka broker, the live
// pipeline with the MQTT bridge (as `spotstream run --set mqtt.host=...`), a publisher of price
// ticks at TICK_RATE per second (stamped with the wall clock, over POOLS pools), and a libmosquitto
// client playing the node agents and the consumer. Mosquitto itself is Debian's broker, started on
// a free loopback port. For each of SIGNALS nodes: the real IMDS instance-action body published to
// spot/signals/<instance>/instance-action, timed until the EVACUATE arrives on
// spot/decisions/<node>. Prints p50 / p99 / p99.9 / max and the tick rate the pipeline read.
// Env: TICK_RATE (100000), SIGNALS (1000), SIGNAL_RATE (per second, 25), POOLS (2000),
// PARTITIONS (price topic, 64), BENCH_SET (config, e.g. kafka.fetch.wait.max.ms=5),
// SIGNALS_VIA_KAFKA=1 (notices produced to the signals topic instead: Kafka in, MQTT out).
#include <mosquitto.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "src/core/steady_time.hpp"
#include "src/core/time.hpp"
#include "src/feed/event_publisher.hpp"
#include "src/kafka/embedded_cluster.hpp"
#include "src/mqtt/mqtt_bridge.hpp"
#include "src/runtime/pipeline.hpp"
#include "topology/kafka_io.hpp"
#include "topology/live_topology.hpp"
#include "topology/process_metrics.hpp"

extern char** environ;

using namespace spotstream;

namespace {

long env_int(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return v ? std::stol(v) : fallback;
}

int free_port() {
  const int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  close(s);
  return ntohs(a.sin_port);
}

// Debian's mosquitto on a loopback port, in a temporary directory; killed at the end.
struct Mosquitto {
  pid_t pid = -1;
  int port = free_port();
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("bench-mqtt-" + std::to_string(getpid()));
  Mosquitto() {
    std::filesystem::create_directories(dir);
    const auto conf = dir / "mosquitto.conf";
    std::ofstream(conf) << "listener " << port << " 127.0.0.1\nallow_anonymous true\npersistence false\n"
                        << "max_queued_messages 100000\nset_tcp_nodelay true\n";
    const std::string c = conf.string();
    char* argv[] = {const_cast<char*>("mosquitto"), const_cast<char*>("-c"), const_cast<char*>(c.c_str()), nullptr};
    if (posix_spawnp(&pid, "mosquitto", nullptr, nullptr, argv, environ) != 0) throw std::runtime_error("no mosquitto");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  ~Mosquitto() {
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
    std::filesystem::remove_all(dir);
  }
};

// The node agents and the consumer: publishes notices, times the EVACUATEs that come back.
struct Agents {
  mosquitto* m = nullptr;
  std::mutex mu;
  std::map<std::string, std::int64_t> sent_ns;  // node -> when its notice was published
  std::vector<double> latencies_ms;
  std::atomic<int> stays{0};

  explicit Agents(int port) {
    mosquitto_lib_init();
    m = mosquitto_new("bench-agents", true, this);
    mosquitto_message_callback_set(m, [](mosquitto*, void* self, const mosquitto_message* msg) {
      static_cast<Agents*>(self)->on_message(msg);
    });
    mosquitto_connect_callback_set(m, [](mosquitto* c, void*, int) { mosquitto_subscribe(c, nullptr, "spot/decisions/#", 1); });
    mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1);
    mosquitto_connect(m, "127.0.0.1", port, 30);
    mosquitto_loop_start(m);
  }
  ~Agents() {
    mosquitto_disconnect(m);
    mosquitto_loop_stop(m, false);
    mosquitto_destroy(m);
  }
  void on_message(const mosquitto_message* msg) {
    const std::int64_t now = steady_ns();
    const std::string payload(static_cast<const char*>(msg->payload), static_cast<std::size_t>(msg->payloadlen));
    const std::string node = std::string(msg->topic).substr(std::string("spot/decisions/").size());
    if (payload.find("\"decision\":\"STAY\"") != std::string::npos) ++stays;
    if (payload.find("\"decision\":\"EVACUATE\"") == std::string::npos) return;
    std::lock_guard lock(mu);
    if (auto it = sent_ns.find(node); it != sent_ns.end()) {
      latencies_ms.push_back(static_cast<double>(now - it->second) / 1e6);
      sent_ns.erase(it);
    }
  }
  //! Set: notices go straight to the signals topic (Kafka in, MQTT out), to split the latency.
  EventPublisher* via_kafka = nullptr;
  std::string signals_topic;

  void notice(const std::string& node, const std::string& instance) {
    const auto terminate = wall_ms() + 120000;  // IMDS: the instance goes in two minutes
    const std::string body = "{\"action\": \"terminate\", \"time\": \"" + format_iso8601(terminate) + "\"}";
    const std::string topic = "spot/signals/" + instance + "/instance-action";
    {
      std::lock_guard lock(mu);
      sent_ns[node] = steady_ns();
    }
    if (via_kafka) {
      via_kafka->publish_raw(signals_topic, instance, body, terminate - 120000);
      via_kafka->flush();
      return;
    }
    mosquitto_publish(m, nullptr, topic.c_str(), static_cast<int>(body.size()), body.data(), 1, false);
  }
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(std::min<double>(v.size() - 1, std::ceil(p * v.size()) - 1));
  return v[i];
}

// Price ticks at `rate` per second, stamped with the wall clock, round-robin over `pools` pools.
void publish_ticks(const Config& cfg, long rate, long pools, const std::atomic<bool>& stop, std::atomic<long>& sent) {
  static const char* kAzs[] = {"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"};
  static const char* kTypes[] = {"c5.large", "c5.xlarge", "m5.large", "m5.xlarge", "r5.large", "r5.xlarge",
                                 "c6i.large", "m6i.large", "r6i.large", "c5.2xlarge"};
  EventPublisher pub(cfg);
  const long per_slice = std::max(1L, rate / 100);  // every 10 ms
  auto next = std::chrono::steady_clock::now();
  long i = 0;
  while (!stop.load()) {
    const TimestampMs now = wall_ms();
    for (long k = 0; k < per_slice; ++k, ++i) {
      PriceTick t;
      const long p = i % pools;
      t.ts = now;
      t.az = kAzs[p % 4];
      t.instance_type = kTypes[(p / 4) % 10];
      t.product = "Linux/UNIX";
      // As in AWS's feeds, a pool's price changes now and then (here every 10 s), not with every tick.
      t.spot_price = 0.02 + 0.001 * static_cast<double>((p / 40) % 50) + 0.0001 * static_cast<double>((now / 10000 + p) % 7);
      pub.publish(Event(t));
    }
    sent += per_slice;
    next += std::chrono::milliseconds(10);
    std::this_thread::sleep_until(next);
  }
  pub.flush();
}

// The fleet: one node per notice, all in one pool; returns once their STAYs have come over MQTT.
void join_fleet(const Config& cfg, long nodes, const Agents& agents) {
  EventPublisher fleet(cfg);
  for (long n = 0; n < nodes; ++n) {
    FleetEvent j;
    j.ts = wall_ms() - 60000;
    j.node_id = "n-" + std::to_string(n);
    j.instance_id = "i-" + std::to_string(n);
    j.region = "us-east-1";
    j.az = "us-east-1a";
    j.instance_type = "c5.large";
    j.product = "Linux/UNIX";
    fleet.publish(Event(j));
  }
  fleet.flush();
  while (agents.stays.load() < nodes) std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

// Sends the notices at `rate` per second and waits (up to 30 s) for their decisions; returns the
// seconds it took.
double send_notices(Agents& agents, long signals, long rate) {
  const auto t0 = std::chrono::steady_clock::now();
  for (long n = 0; n < signals; ++n) {
    agents.notice("n-" + std::to_string(n), "i-" + std::to_string(n));
    std::this_thread::sleep_until(t0 + std::chrono::microseconds(1000000 * (n + 1) / rate));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(agents.mu);
      if (agents.sent_ns.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

Config bench_config(const EmbeddedCluster& cluster, int mqtt_port) {
  Config cfg;
  cfg.set("kafka.bootstrap.servers", cluster.bootstraps());
  cfg.set("log.level", "warn");
  cfg.set("mqtt.host", "127.0.0.1");
  cfg.set("mqtt.port", std::to_string(mqtt_port));
  cfg.set("rest.port", "-1");
  if (const char* extra = std::getenv("BENCH_SET"))
    for (std::string s = extra; !s.empty();) {
      const auto comma = s.find(',');
      cfg.set_assignment(s.substr(0, comma));
      s = comma == std::string::npos ? "" : s.substr(comma + 1);
    }
  return cfg;
}

}  // namespace

int main() {
  const long tick_rate = env_int("TICK_RATE", 100000), signals = env_int("SIGNALS", 1000);
  const long signal_rate = env_int("SIGNAL_RATE", 25), pools = env_int("POOLS", 2000);
  Mosquitto broker;
  EmbeddedCluster cluster(1);
  const Config defaults;
  cluster.create_topic(defaults.get_string("topics.prices"), static_cast<int>(env_int("PARTITIONS", 64)));
  for (const char* t : {"topics.signals", "topics.fleet", "topics.decisions", "topics.risk", "topics.dlq"})
    cluster.create_topic(defaults.get_string(t), 16);
  const Config cfg = bench_config(cluster, broker.port);

  ProcessMetrics metrics;
  MqttBridge bridge(cfg, metrics.mqtt, metrics.dlq);
  Pipeline pipeline(cfg, live_topology(cfg), metrics, kafka_io(cfg, bridge.decisions()));
  bridge.start();
  std::atomic<bool> stop{false}, ticks_stop{false};
  std::thread run([&] { pipeline.run(stop); });
  Agents agents(broker.port);
  join_fleet(cfg, signals, agents);
  std::printf("fleet of %ld nodes joined (their STAYs on MQTT); ticks at %ld/s over %ld pools\n", signals, tick_rate,
              pools);
  std::unique_ptr<EventPublisher> direct;
  if (env_int("SIGNALS_VIA_KAFKA", 0)) {
    direct = std::make_unique<EventPublisher>(cfg);
    agents.via_kafka = direct.get();
    agents.signals_topic = cfg.get_string("topics.signals");
  }

  std::atomic<long> ticks_sent{0};
  std::thread ticks([&] { publish_ticks(cfg, tick_rate, pools, ticks_stop, ticks_sent); });
  std::this_thread::sleep_for(std::chrono::seconds(5));  // the load settles
  const auto in0 = metrics.messages_in.get();
  const double secs = send_notices(agents, signals, signal_rate);
  const double read_rate = static_cast<double>(metrics.messages_in.get() - in0) / secs;
  ticks_stop = true;
  ticks.join();
  stop = true;
  run.join();
  bridge.stop();

  std::lock_guard lock(agents.mu);
  const auto& l = agents.latencies_ms;
  std::printf("signal -> decision over MQTT: %zu of %ld answered; p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms\n",
              l.size(), signals, percentile(l, 0.5), percentile(l, 0.99), percentile(l, 0.999),
              l.empty() ? 0.0 : *std::max_element(l.begin(), l.end()));
  std::printf("meanwhile: %ld ticks published, the pipeline read %.0f messages/s; %ld signals at %ld/s; "
              "MQTT: %llu signals forwarded, %llu decisions out, %llu dropped\n",
              ticks_sent.load(), read_rate, signals, signal_rate,
              (unsigned long long)metrics.mqtt.signals_forwarded.get(),
              (unsigned long long)metrics.mqtt.decisions_out.get(),
              (unsigned long long)metrics.mqtt.decisions_dropped.get());
  return l.size() == static_cast<std::size_t>(signals) ? 0 : 1;
}
