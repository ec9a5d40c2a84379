// Signal -> decision latency while price ticks flow through Kafka: a plain timed harness
// (percentiles), not Google Benchmark. In one process: the embedded Kafka broker, the live
// pipeline (as `spotstream run`), a publisher of price ticks at TICK_RATE per second (stamped with
// the wall clock, over POOLS pools) and a client playing the node agents and the orchestrator. For
// each of SIGNALS nodes a notice is sent and timed until that node's EVACUATE arrives.
// SIGNALS_IN picks how notices go in: `kafka` (default: the IMDS instance-action body produced to the
// signals topic, keyed by the instance id) or `mqtt` (the real IMDS instance-action body published to
// spot/signals/<instance>/instance-action through the MQTT bridge); DECISIONS_OUT how decisions
// come back: `kafka` (default: a consumer of the decisions topic) or `mqtt` (spot/decisions/<node>).
// MQTT runs through Debian's mosquitto on a free loopback port. ANSWER=bare puts in the pipeline's
// place a plain consumer (the pipeline's consumer settings) that answers each notice at once through
// a producer with the decision producer's settings: the same clients, broker and load without
// spotstream, the floor of this machine's round trip. Prints p50 / p99 / p99.9 / max and the tick
// rate the pipeline read; exits 1 unless every notice was answered.
// Env: TICK_RATE (100000), SIGNALS (1000), SIGNAL_RATE (per second, 25), POOLS (2000, at most),
// PARTITIONS (price topic, 64), BENCH_SET (config, comma-separated, e.g. kafka.fetch.wait.max.ms=5).
#include <mosquitto.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_settings.hpp"
#include "bench/no_listener.hpp"
#include "src/core/steady_time.hpp"
#include "src/core/time.hpp"
#include "src/feed/event_publisher.hpp"
#include "src/kafka/embedded_cluster.hpp"
#include "src/kafka/kafka_producer.hpp"
#include "src/kafka/kafka_source.hpp"
#include "src/kafka/topic_follower.hpp"
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

// The node agents and the orchestrator: send notices, time the EVACUATEs that come back.
struct Agents {
  mosquitto* m = nullptr;
  std::mutex mu;
  std::map<std::string, std::int64_t> sent_ns;  // node -> when its notice was sent
  std::vector<double> latencies_ms;
  std::atomic<int> stays{0};

  //! port < 0: no MQTT (notices go to Kafka, decisions come from the decisions topic).
  explicit Agents(int port, bool mqtt_decisions) {
    if (port < 0) return;
    mosquitto_lib_init();
    m = mosquitto_new("bench-agents", true, this);
    mosquitto_message_callback_set(m, [](mosquitto*, void* self, const mosquitto_message* msg) {
      static_cast<Agents*>(self)->on_message(msg);
    });
    if (mqtt_decisions)
      mosquitto_connect_callback_set(m, [](mosquitto* c, void*, int) { mosquitto_subscribe(c, nullptr, "spot/decisions/#", 1); });
    mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1);
    mosquitto_connect(m, "127.0.0.1", port, 30);
    mosquitto_loop_start(m);
  }
  ~Agents() {
    if (!m) return;
    mosquitto_disconnect(m);
    mosquitto_loop_stop(m, false);
    mosquitto_destroy(m);
  }
  void on_message(const mosquitto_message* msg) {
    const std::string_view payload(static_cast<const char*>(msg->payload), static_cast<std::size_t>(msg->payloadlen));
    on_decision(std::string(msg->topic).substr(std::string("spot/decisions/").size()), payload);
  }
  void on_decision(const std::string& node, std::string_view payload) {
    const std::int64_t now = steady_ns();
    if (payload.find("\"decision\":\"STAY\"") != std::string::npos) ++stays;
    if (payload.find("\"decision\":\"EVACUATE\"") == std::string::npos) return;
    std::lock_guard lock(mu);
    if (auto it = sent_ns.find(node); it != sent_ns.end()) {
      latencies_ms.push_back(static_cast<double>(now - it->second) / 1e6);
      sent_ns.erase(it);
    }
  }
  //! Set: notices go to the signals topic, not through MQTT.
  KafkaProducer* via_kafka = nullptr;
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
      via_kafka->produce(signals_topic, instance, body, terminate - 120000, nullptr);
      via_kafka->flush(10000);
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

// Price ticks at `rate` per second, stamped with the wall clock, round-robin over `pools` distinct
// pools (up to 2,000: 20 AZs in 6 regions, 10 families, 10 sizes; us-east-1 holds 400 of them).
void publish_ticks(const Config& cfg, long rate, long pools, const std::atomic<bool>& stop, std::atomic<long>& sent) {
  static const char* kAzs[] = {"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-west-2a",
                               "us-west-2b", "us-west-2c", "us-west-2d", "eu-west-1a", "eu-west-1b",
                               "eu-west-1c", "eu-central-1a", "eu-central-1b", "eu-central-1c", "ap-southeast-1a",
                               "ap-southeast-1b", "ap-southeast-1c", "ap-northeast-1a", "ap-northeast-1c",
                               "ap-northeast-1d"};
  static const char* kFamilies[] = {"c5", "m5", "r5", "c6i", "m6i", "r6i", "c7g", "m7g", "r7g", "c6a"};
  static const char* kSizes[] = {"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge",
                                 "24xlarge", "medium", "metal"};
  std::vector<std::string> types;
  for (const char* size : kSizes)
    for (const char* family : kFamilies) types.push_back(std::string(family) + "." + size);
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
      t.az = kAzs[p % 20];
      t.instance_type = types[static_cast<std::size_t>(p / 20) % types.size()];
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

// The orchestrator's consumer of the decisions topic: hands each record to `agents` until `stop`.
void follow_decisions(const Config& cfg, Agents& agents, const std::atomic<bool>& stop) {
  Config client = cfg;
  client.set("kafka.fetch.wait.max.ms", "1");  // the measuring client's own wait, not the pipeline's
  TopicFollower follower(client, cfg.get_string("topics.decisions"));
  while (!stop.load())
    follower.poll(1024, 50, [&](std::int32_t, std::string_view key, std::string_view value) {
      agents.on_decision(std::string(key), value);
    });
}

// In the pipeline's place: the pipeline's consumer of the same inputs, reading every message, and
// for a fleet join (node n-K for instance i-K) a STAY, for a notice an EVACUATE, produced at once
// to the decisions topic through a producer with the decision producer's settings. Counts the
// messages read into `read`.
void answer_bare(const Config& cfg, const std::atomic<bool>& stop, std::atomic<std::uint64_t>& read) {
  bench::NoListener listener;
  KafkaSource source(cfg, kafka_inputs(cfg), listener);
  Config decisions_cfg = cfg;  // as KafkaSink sets up its decisions producer
  const std::string linger = std::to_string(cfg.get_int("delivery.decisions_linger_ms"));
  decisions_cfg.set("kafka.linger.ms", linger);
  decisions_cfg.set("kafka.queue.buffering.max.ms", linger);
  KafkaProducer producer(decisions_cfg);
  const auto& decisions = cfg.get_string("topics.decisions");
  while (!stop.load()) {
    read += source.poll(1024, 100, [&](const EventSource::Record& r) {
      const auto kind = source.inputs()[r.topic].kind;
      if (kind == InputKind::Prices || r.key.size() < 3) return;
      const std::string node = "n-" + std::string(r.key.substr(2));
      const char* body = kind == InputKind::Signals ? "{\"decision\":\"EVACUATE\"}" : "{\"decision\":\"STAY\"}";
      producer.produce(decisions, node, body, wall_ms(), nullptr);
    });
    producer.poll(0);
  }
  producer.flush(5000);
}

Config bench_config(const EmbeddedCluster& cluster, int mqtt_port) {
  Config cfg;
  cfg.set("log.level", "warn");
  cfg.set("rest.port", "-1");
  if (mqtt_port > 0) {
    cfg.set("mqtt.host", "127.0.0.1");
    cfg.set("mqtt.port", std::to_string(mqtt_port));
  }
  bench::apply_settings(cfg, "BENCH_SET");
  cluster.configure_clients(cfg);
  return cfg;
}

//! Prints the round trips' percentiles; returns how many notices were answered.
std::size_t print_latencies(const std::vector<double>& l, long signals) {
  std::printf("signal -> decision: %zu of %ld answered; p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms\n",
              l.size(), signals, percentile(l, 0.5), percentile(l, 0.99), percentile(l, 0.999),
              l.empty() ? 0.0 : *std::max_element(l.begin(), l.end()));
  return l.size();
}

// The part inside the pipeline: from the source's poll to the decision made (the shard's histogram).
void print_inside(const ProcessMetrics& metrics) {
  const auto h = metrics.signal_decision_seconds.snapshot();
  const auto bucket = [&](double q) {
    for (std::size_t i = 0; i < h.bounds.size(); ++i)
      if (static_cast<double>(h.below[i]) >= q * static_cast<double>(h.count)) return h.bounds[i] * 1000;
    return std::numeric_limits<double>::infinity();
  };
  std::printf("inside the pipeline (polled -> decision made): %lu decisions, mean %.2f ms, p50 <= %.2f ms, "
              "p99 <= %.2f ms\n", static_cast<unsigned long>(h.count), h.count ? h.sum / h.count * 1000 : 0.0,
              bucket(0.5), bucket(0.99));
}

bool env_is(const char* name, const char* value, const char* fallback) {
  const char* v = std::getenv(name);
  return std::string(v ? v : fallback) == value;
}

}  // namespace

int main() {
  const long tick_rate = env_int("TICK_RATE", 100000), signals = env_int("SIGNALS", 1000);
  const long signal_rate = env_int("SIGNAL_RATE", 25), pools = env_int("POOLS", 2000);
  const bool mqtt_in = env_is("SIGNALS_IN", "mqtt", "kafka"), mqtt_out = env_is("DECISIONS_OUT", "mqtt", "kafka");
  std::optional<Mosquitto> broker;
  if (mqtt_in || mqtt_out) broker.emplace();
  EmbeddedCluster cluster(1);
  const Config defaults;
  cluster.create_topic(defaults.get_string("topics.prices"), static_cast<int>(env_int("PARTITIONS", 64)));
  for (const char* t : {"topics.signals", "topics.fleet", "topics.decisions", "topics.risk", "topics.dlq"})
    cluster.create_topic(defaults.get_string(t), 16);
  Config cfg = bench_config(cluster, broker ? broker->port : -1);
  if (!mqtt_out && broker) cfg.set("mqtt.decision_prefix", "");

  const bool bare = env_is("ANSWER", "bare", "spotstream");
  if (bare && broker) throw std::runtime_error("ANSWER=bare goes with Kafka in and out");
  ProcessMetrics metrics;
  std::optional<MqttBridge> bridge;
  if (broker) bridge.emplace(cfg, metrics.mqtt, metrics.dlq);
  std::optional<Pipeline> pipeline;
  if (!bare) pipeline.emplace(cfg, live_topology(cfg), metrics, kafka_io(cfg, bridge ? bridge->decisions() : nullptr));
  if (bridge) bridge->start();
  std::atomic<bool> stop{false}, ticks_stop{false};
  std::atomic<std::uint64_t> bare_read{0};
  std::thread run([&] { bare ? answer_bare(cfg, stop, bare_read) : void(pipeline->run(stop)); });
  const auto messages_in = [&] { return bare ? bare_read.load() : metrics.messages_in.get(); };
  Agents agents(broker ? broker->port : -1, mqtt_out);
  std::optional<std::thread> decisions;
  if (!mqtt_out) decisions.emplace([&] { follow_decisions(cfg, agents, ticks_stop); });
  join_fleet(cfg, signals, agents);
  std::printf("fleet of %ld nodes joined (their STAYs read back); ticks at %ld/s over %ld pools; signals in over "
              "%s, decisions out over %s; answered by %s\n", signals, tick_rate, pools, mqtt_in ? "MQTT" : "Kafka",
              mqtt_out ? "MQTT" : "Kafka", bare ? "a bare consumer and producer" : "spotstream");
  std::unique_ptr<KafkaProducer> direct;
  if (!mqtt_in) {
    direct = std::make_unique<KafkaProducer>(cfg);
    agents.signals_topic = cfg.get_string("topics.signals");
    direct->learn_topic(agents.signals_topic, 10000);  // the first notice does not wait for the leaders
    agents.via_kafka = direct.get();
  }

  std::atomic<long> ticks_sent{0};
  std::thread ticks([&] { publish_ticks(cfg, tick_rate, pools, ticks_stop, ticks_sent); });
  std::this_thread::sleep_for(std::chrono::seconds(5));  // the load settles
  const auto in0 = messages_in(), out0 = metrics.outputs_delivered.get();
  const double secs = send_notices(agents, signals, signal_rate);
  const double read_rate = static_cast<double>(messages_in() - in0) / secs;
  const double out_rate = static_cast<double>(metrics.outputs_delivered.get() - out0) / secs;
  ticks_stop = true;
  ticks.join();
  if (decisions) decisions->join();
  stop = true;
  run.join();
  if (bridge) bridge->stop();

  std::lock_guard lock(agents.mu);
  const auto answered = print_latencies(agents.latencies_ms, signals);
  std::printf("meanwhile: %ld ticks published, the %s read %.0f messages/s%s; %ld signals at %ld/s\n",
              ticks_sent.load(), bare ? "bare consumer" : "pipeline", read_rate,
              bare ? "" : (" and delivered " + std::to_string(std::lround(out_rate)) + " outputs/s").c_str(), signals,
              signal_rate);
  if (!bare) print_inside(metrics);
  return answered == static_cast<std::size_t>(signals) ? 0 : 1;
}
