#include <spdlog/spdlog.h>

#include "src/cli/commands.hpp"
#include "src/cli/log_setup.hpp"
#include "src/kafka/kafka_conf.hpp"
#include "src/runtime/delivery_guarantee.hpp"

namespace spotstream::cli {

Config load_config(const CommonOptions& opts) {
  Config cfg;
  if (!opts.config_file.empty()) cfg.load_yaml_file(opts.config_file);
  const auto unknown = cfg.load_environment(Config::process_environment());
  for (const auto& s : opts.sets) cfg.set_assignment(s);
  if (!opts.brokers.empty()) cfg.set("kafka.bootstrap.servers", opts.brokers);
  if (!opts.log_level.empty()) cfg.set("log.level", opts.log_level);
  if (!opts.log_format.empty()) cfg.set("log.format", opts.log_format);
  configure_logger(cfg);
  for (const auto& name : unknown)
    spdlog::warn("environment variable {} names no configuration property: ignored (see `spotstream config`)", name);
  // Fail fast on a kafka.* key librdkafka does not know, whatever the command.
  make_kafka_conf(cfg, ClientRole::Consumer);
  make_kafka_conf(cfg, ClientRole::Producer);
  delivery_guarantee(cfg);  // and on a delivery.guarantee that cannot work with the rest
  return cfg;
}

}  // namespace spotstream::cli
