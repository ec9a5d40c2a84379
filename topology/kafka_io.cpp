#include "topology/kafka_io.hpp"

#include "src/kafka/kafka_sink.hpp"
#include "src/kafka/kafka_source.hpp"
#include "src/storage/pg_sink.hpp"

namespace spotstream {

std::vector<EventSource::Input> kafka_inputs(const Config& cfg) {
  return {{cfg.get_string("topics.prices"), InputKind::Prices},
          {cfg.get_string("topics.signals"), InputKind::Signals},
          {cfg.get_string("topics.fleet"), InputKind::Fleet}};
}

PipelineIo kafka_io(const Config& cfg, StoredOutputObserver* mirror) {
  PipelineIo io;
  io.source = [cfg](EventSource::Listener& listener) -> std::unique_ptr<EventSource> {
    const auto& prices = cfg.get_string("topics.prices");
    const auto& signals = cfg.get_string("topics.signals");
    const auto& fleet = cfg.get_string("topics.fleet");
    return std::make_unique<KafkaSource>(
        cfg, kafka_inputs(cfg), listener, std::vector<std::string>{signals, fleet},
        KafkaSource::WarmStart{prices, cfg.get_int("window.length_ms") + cfg.get_int("warm_start.extra_ms")},
        KafkaSource::CoPartition{fleet, signals});
  };
  io.sink = [cfg, mirror](RuntimeMetrics& metrics, std::atomic<bool>& fatal) -> std::unique_ptr<OutputSink> {
    auto sink = std::make_unique<KafkaSink>(cfg, metrics, fatal);
    sink->set_stored_observer(mirror);
    return sink;
  };
  if (cfg.get_bool("postgres.enabled"))
    io.history = [cfg](RuntimeMetrics& metrics, std::atomic<bool>& fatal) -> std::unique_ptr<HistorySink> {
      return std::make_unique<PgSink>(cfg, metrics, fatal);
    };
  return io;
}

}  // namespace spotstream
