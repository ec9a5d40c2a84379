#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "src/cli/commands.hpp"
#include "src/cli/embedded_setup.hpp"
#include "src/model/advisor_fetch.hpp"
#include "src/mqtt/mqtt_bridge.hpp"
#include "src/rest/evaluate_server.hpp"
#include "src/rest/metrics_exposition.hpp"
#include "src/rest/readiness.hpp"
#include "src/runtime/pipeline.hpp"
#include "src/runtime/stop_signal.hpp"
#include "topology/kafka_io.hpp"
#include "topology/live_topology.hpp"

namespace spotstream::cli {

int run_command(Config cfg, const RunOptions& opts) {
  const auto& stop = install_stop_handlers();
  std::unique_ptr<EmbeddedCluster> cluster;
  if (!cfg.has_brokers()) cluster = start_embedded(cfg, opts.bootstrap_file);
  spdlog::info("spotstream {} run: {} shard(s), group {}, inputs {} {} {}", SPOTSTREAM_VERSION,
               cfg.get_int("runtime.shards"), cfg.get_string("consumer.group"), cfg.get_string("topics.prices"),
               cfg.get_string("topics.signals"), cfg.get_string("topics.fleet"));
  ProcessMetrics metrics;
  const AdvisorRefresher advisor_refresh(cfg, metrics);  // before the advisor file is first loaded
  auto services = std::make_shared<DecisionServices>(cfg);
  std::unique_ptr<MqttBridge> mqtt;
  if (!cfg.get_string("mqtt.host").empty()) mqtt = std::make_unique<MqttBridge>(cfg, metrics.mqtt, metrics.dlq);
  Pipeline pipeline(cfg, live_topology(cfg, services), metrics, kafka_io(cfg, mqtt ? mqtt->decisions() : nullptr));
  EvaluateServer rest(services);
  const MetricsExposition exposition(metrics, services);
  rest.add_get("/metrics", [&exposition] { return EvaluateServer::Reply{200, exposition.text()}; },
               MetricsExposition::kContentType);
  rest.add_get("/ready", [&metrics, bounds = ReadinessBounds::from(cfg)] {
    const auto r = readiness(metrics, bounds);
    return EvaluateServer::Reply{r.ready ? 200 : 503, r.json()};
  });
  if (const auto port = cfg.get_int("rest.port"); port >= 0) {
    const int bound = rest.start(cfg.get_string("rest.address"), static_cast<int>(port), EvaluateServer::limits(cfg));
    std::printf("rest api listening on http://%s:%d (POST /api/v1/evaluate, GET /health, /ready, /metrics)\n",
                cfg.get_string("rest.address").c_str(), bound);
    std::fflush(stdout);
  }
  if (mqtt) mqtt->start();
  const int rc = pipeline.run(stop);
  if (mqtt) mqtt->stop();
  rest.stop();
  std::printf("summary %s\n", metrics.to_json().c_str());
  std::fflush(stdout);
  return rc;
}

int broker_command(Config cfg, const RunOptions& opts) {
  const auto& stop = install_stop_handlers();
  auto cluster = start_embedded(cfg, opts.bootstrap_file);
  spdlog::info("embedded broker running; SIGINT or SIGTERM stops it (its data goes with it)");
  while (!stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  return 0;
}

}  // namespace spotstream::cli
