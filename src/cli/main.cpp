// spotstream's command line: parses arguments with CLI11 and hands over to src/cli/*_command.cpp.
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <iostream>

#include "src/cli/commands.hpp"

using namespace spotstream;
using namespace spotstream::cli;

namespace {

void add_common(CLI::App& app, CommonOptions& c) {
  app.add_option("-c,--config", c.config_file, "YAML configuration file (see config/spotstream.yaml)")->check(CLI::ExistingFile);
  app.add_option("-s,--set", c.sets, "Override one property: key=value (repeatable; `kafka.*` keys go to librdkafka)");
  app.add_option("-b,--brokers", c.brokers, "Kafka bootstrap servers (kafka.bootstrap.servers); none: embedded broker");
  app.add_option("--log-level", c.log_level, "trace, debug, info, warn, error");
}

}  // namespace

int main(int argc, char** argv) {
  // Logs go to stderr; stdout carries what a user or a script reads (addresses, summaries).
  spdlog::set_default_logger(spdlog::stderr_color_mt("spotstream"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

  CLI::App app{"spotstream: event-driven EC2 Spot risk and decision stream processor.\n"
               "Consumes spot prices, AWS interruption signals and fleet events from Kafka and emits\n"
               "STAY / SWITCH / DRAIN / EVACUATE decisions per node on spot.decisions."};
  app.require_subcommand(1);
  app.set_version_flag("--version", SPOTSTREAM_VERSION);
  CommonOptions common;
  RunOptions run_opts;
  FeedOptions feed;

  auto* run = app.add_subcommand("run", "Run the processor. Without --brokers it starts an embedded Kafka broker\n"
                                        "(librdkafka's mock cluster), creates the topics and prints its address.");
  add_common(*run, common);
  run->add_option("--bootstrap-file", run_opts.bootstrap_file, "Also write the embedded broker's address to this file");

  auto* broker = app.add_subcommand("broker", "Run only the embedded Kafka broker with spotstream's topics, until SIGINT/SIGTERM");
  add_common(*broker, common);
  broker->add_option("--bootstrap-file", run_opts.bootstrap_file, "Also write the broker's address to this file");

  auto* feed_cmd = app.add_subcommand("feed", "Publish input events to Kafka");
  feed_cmd->require_subcommand(1);
  auto* synth = feed_cmd->add_subcommand("synth", "Publish a seeded synthetic market: prices, AWS signals and fleet events");
  add_common(*synth, common);
  synth->add_option("--seed", feed.seed, "Random seed; the same seed publishes the same events")->capture_default_str();
  synth->add_option("--days", feed.days, "Days of market to generate")->check(CLI::Range(1, 366))->capture_default_str();
  synth->add_option("--nodes", feed.nodes, "Fleet nodes")->check(CLI::Range(0, 1000000))->capture_default_str();
  synth->add_option("--start", feed.start, "Start time, ISO-8601 (default 2025-01-01T00:00:00Z)");
  synth->add_option("--price-format", feed.price_format, "canonical (default) or aws (describe-spot-price-history items)");
  auto* file = feed_cmd->add_subcommand("file", "Publish describe-spot-price-history JSON files (or canonical JSON lines) in timestamp order");
  add_common(*file, common);
  file->add_option("paths", feed.files, "Files to publish")->required()->check(CLI::ExistingFile);
  file->add_option("--price-format", feed.price_format, "aws (default: AWS items as in the files) or canonical");

  auto* demo = app.add_subcommand("demo", "The main job on embedded defaults: synthetic market -> embedded Kafka ->\n"
                                          "spotstream -> decisions read back and summarised. Ends by itself.");
  add_common(*demo, common);
  demo->add_option("--seed", feed.seed, "Random seed")->capture_default_str();
  demo->add_option("--days", feed.days, "Days of market")->check(CLI::Range(1, 30))->capture_default_str();
  demo->add_option("--nodes", feed.nodes, "Fleet nodes")->check(CLI::Range(0, 100000))->capture_default_str();

  RiskOptions risk_opts;
  auto* risk = app.add_subcommand("risk", "Run the topology over price files (describe-spot-price-history responses or canonical\n"
                                          "JSON lines) through the embedded broker and print the spot.risk records as JSON lines");
  add_common(*risk, common);
  risk->add_option("-i,--input", risk_opts.inputs, "Price files (repeatable)")->required()->check(CLI::ExistingFile);
  risk->add_flag("--every-tick", risk_opts.every_tick, "One record per input tick instead of on change");

  auto* config = app.add_subcommand("config", "Print every configuration property: name, value, bounds, description");
  add_common(*config, common);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2, like configuration errors.
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    Config cfg = load_config(common);
    if (run->parsed()) return run_command(std::move(cfg), run_opts);
    if (broker->parsed()) return broker_command(std::move(cfg), run_opts);
    if (synth->parsed()) return feed_synth_command(cfg, feed);
    if (file->parsed()) return feed_file_command(cfg, feed);
    if (demo->parsed()) {
      // The demo's output is its summary; routine info logs would bury it.
      if (common.log_level.empty() && cfg.get_string("log.level") == "info") spdlog::set_level(spdlog::level::warn);
      return demo_command(std::move(cfg), feed);
    }
    if (risk->parsed()) return risk_command(std::move(cfg), risk_opts);
    if (config->parsed()) {
      std::cout << cfg.describe();
      return 0;
    }
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "spotstream: configuration error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "spotstream: %s\n", e.what());
    return 1;
  }
  return 0;
}
