// spotstream's command line: parses arguments with CLI11 and hands over to src/cli/*_command.cpp.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <iostream>

#include "src/cli/commands.hpp"
#include "src/cli/log_setup.hpp"

using namespace spotstream;
using namespace spotstream::cli;

namespace {

void add_common(CLI::App& app, CommonOptions& c) {
  app.add_option("-c,--config", c.config_file, "YAML configuration file (see config/spotstream.yaml)")->check(CLI::ExistingFile);
  app.add_option("-s,--set", c.sets, "Override one property: key=value (repeatable; `kafka.*` keys go to librdkafka)");
  app.add_option("-b,--brokers", c.brokers, "Kafka bootstrap servers (kafka.bootstrap.servers); none: embedded broker");
  app.add_option("--log-level", c.log_level, "trace, debug, info, warn, error");
  app.add_option("--log-format", c.log_format, "text (for terminals) or json (JSON lines for log pipelines; log.format)");
}

// Where the price history of `risk`, `train` and `evaluate` comes from: exactly one source.
void add_history_options(CLI::App& c, PriceHistoryOptions& h, int min_days) {
  c.add_option("-i,--input", h.inputs, "Price files: describe-spot-price-history responses, or JSON lines of canonical ticks or AWS items")
      ->check(CLI::ExistingFile);
  c.add_flag("--synth", h.synth, "The synthetic market's prices (--seed, --days) instead of files");
  c.add_option("--seed", h.seed, "Synthetic market seed")->capture_default_str();
  c.add_option("--days", h.days, "Synthetic market days")->check(CLI::Range(min_days, 366))->capture_default_str();
  c.add_flag("--topic", h.topic, "Read topics.prices from --brokers (a range: --from, --to)");
  c.add_option("--from", h.from, "With --topic: first event time, ISO-8601");
  c.add_option("--to", h.to, "With --topic: end event time (exclusive), ISO-8601");
}

}  // namespace

int main(int argc, char** argv) {
  // Logs go to stderr; stdout carries what a user or a script reads (addresses, summaries).
  install_logger();

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
  auto* risk = app.add_subcommand("risk", "Replay price files (describe-spot-price-history responses, or JSON lines of canonical\n"
                                          "ticks or AWS items, AZ names or ids) or the synthetic market through the live topology in\n"
                                          "process, no broker in between, and write the spot.risk records as JSON lines as they are\n"
                                          "made, in event-time order (pools by name at each time). A progress line goes to stderr on long runs.");
  add_common(*risk, common);
  add_history_options(*risk, risk_opts.history, 1);
  risk->add_flag("--every-tick", risk_opts.every_tick, "One record per input tick instead of on change");
  risk->add_option("-o,--output", risk_opts.output_file, "Write the records to this file instead of stdout");
  risk->add_option("--dlq", risk_opts.dlq_file, "Write input lines that do not decode, and dead letters, to this file "
                                                "(JSON lines, as on spot.dlq)");

  TrainOptions train_opts;
  const auto add_history = [&](CLI::App& c) {
    add_common(c, common);
    add_history_options(c, train_opts.history, 2);
    c.add_option("--label", train_opts.label, "rise: the price rises by --rise within --horizon-hours; notice: an interruption "
                                              "notice reaches the pool within --horizon-hours (needs --signals and --fleet, or --synth)")
        ->check(CLI::IsMember({"rise", "notice"}))->capture_default_str();
    c.add_option("--signals", train_opts.signal_files, "With --input and --label notice: AWS signal files (EventBridge, IMDS or canonical JSON lines)");
    c.add_option("--fleet", train_opts.fleet_files, "With --input and --label notice: fleet event files placing each signal's instance in a pool");
    c.add_option("--rise", train_opts.rise, "Label: unstable when the price rises by this fraction or more ...")
        ->check(CLI::Range(0.0001, 10.0))->capture_default_str();
    c.add_option("--horizon-hours", train_opts.horizon_hours, "... within this many hours")
        ->check(CLI::Range(0.1, 24.0 * 30))->capture_default_str();
    c.add_option("--test-from", train_opts.test_from, "Held-out slice from this time on (ISO-8601); default: the last --test-fraction");
    c.add_option("--test-fraction", train_opts.test_fraction, "Share of the time span held out for testing")
        ->check(CLI::Range(0.01, 0.9))->capture_default_str();
    c.add_option("--validation-fraction", train_opts.validation_fraction,
                 "Share of the time before the test slice used to pick the threshold")->check(CLI::Range(0.01, 0.9))->capture_default_str();
    c.add_option("--export-features", train_opts.export_features, "Also write every labelled row (features, label, split) as CSV");
  };
  auto* train = app.add_subcommand("train", "Fit a logistic-regression risk model on a price history and write its model file.\n"
                                            "Features come from the live price path (every tick); a pool-time is labelled unstable when its\n"
                                            "price rises by --rise within --horizon-hours; the split is by time (train, validation, test)\n"
                                            "with the rows whose label would see the next slice purged. The threshold maximises F1 on the\n"
                                            "validation slice; ROC AUC, precision, recall and F1 are measured on the test slice (JSON on stdout).");
  add_history(*train);
  train->add_option("-o,--output", train_opts.output, "Model file to write")->required();
  train->add_option("--name", train_opts.name, "Model name (spot.risk `model`); default logistic");
  train->add_option("--version", train_opts.version, "Model version; default the end of the training data");
  train->add_option("--features", train_opts.features, std::string("Comma-separated inputs (any of the catalogue; with --label notice the interruption pressure's pool_notices_short ... family_rebalances_long count the market's signals); default ") + kDefaultTrainFeatures);
  train->add_option("--l2", train_opts.l2, "L2 penalty on the standardised coefficients")->check(CLI::Range(0.0, 100.0))->capture_default_str();
  auto* evaluate = app.add_subcommand("evaluate", "Score a model file (heuristic, logistic or xgboost) on the held-out slice of a price\n"
                                                  "history, next to heuristic-v1; metrics as JSON on stdout");
  add_history(*evaluate);
  evaluate->add_option("-m,--model", train_opts.model, "Model file")->required()->check(CLI::ExistingFile);
  evaluate->add_option("--predictions", train_opts.predictions, "Also write the model's probability for every row as CSV");

  BacktestCommandOptions bt;
  auto* backtest = app.add_subcommand(
      "backtest", "Replay a past range through the live decision engine in process with a simulated fleet that\n"
                  "follows every decision, bill it as EC2 bills (whole instances, per second) next to baselines on\n"
                  "the same fleet, prices and interruptions (reactive-only, stay, on-demand, hindsight-best,\n"
                  "lowest-price, lowest-band), and write report.json and decisions.csv to --out.\n"
                  "Interruptions come from the signals (--signals with --fleet placing their instances, the\n"
                  "synthetic market's own, or the topics); docs/backtest.md explains every figure.");
  add_common(*backtest, common);
  backtest->add_option("-i,--input", bt.history.inputs, "Price files (as for `risk`)")->check(CLI::ExistingFile);
  backtest->add_option("--signals", bt.signal_files, "Signal files: EventBridge events or canonical signals (one JSON document or JSON lines)")
      ->check(CLI::ExistingFile);
  backtest->add_option("--fleet", bt.fleet_files, "Fleet event files (JSON lines): which pool each signal's instance ran in")
      ->check(CLI::ExistingFile);
  backtest->add_flag("--synth", bt.history.synth, "The synthetic market (prices, signals, its fleet) instead of files");
  backtest->add_option("--seed", bt.history.seed, "Synthetic market seed")->capture_default_str();
  backtest->add_option("--days", bt.history.days, "Synthetic market days")->check(CLI::Range(2, 366))->capture_default_str();
  backtest->add_flag("--topic", bt.history.topic, "Read the prices, signals and fleet topics from --brokers (a week before --from too)");
  backtest->add_option("--from", bt.history.from, "Start of the billed period, ISO-8601; default: the first tick + --warmup-hours");
  backtest->add_option("--to", bt.history.to, "End of the billed period (exclusive), ISO-8601; default: the last tick");
  backtest->add_option("--warmup-hours", bt.warmup_hours, "Without --from: history replayed before the period starts")
      ->check(CLI::Range(0.0, 24.0 * 366))->capture_default_str();
  backtest->add_option("-n,--nodes", bt.nodes, "Simulated fleet size")->check(CLI::Range(1, 100000))->capture_default_str();
  backtest->add_option("--instance-type", bt.instance_type, "Nodes' instance type; default: the type with the most pools");
  backtest->add_option("--region", bt.region, "Nodes' region; default: where that type has the most pools");
  backtest->add_option("--product", bt.product, "Nodes' product; default: that of most of those pools");
  backtest->add_option("--vcpu", bt.vcpu, "vCPUs a node needs (default: what its type offers)")->check(CLI::Range(0.0, 1e4));
  backtest->add_option("--memory-gib", bt.memory_gib, "Memory a node needs (default: what its type offers)")->check(CLI::Range(0.0, 1e6));
  backtest->add_option("--pool", bt.pools, "Home pool <az>/<type>/<product>, repeatable, assigned round-robin; default: "
                                           "the type's pools in the region, cheapest at the start first");
  backtest->add_option("--migration-minutes", bt.migration_minutes, "A SWITCH or DRAIN: both instances billed this long")
      ->check(CLI::Range(0.0, 24.0 * 60))->capture_default_str();
  backtest->add_option("--downtime-minutes", bt.downtime_minutes, "An interruption suffered: the node is down this long")
      ->check(CLI::Range(0.0, 24.0 * 60))->capture_default_str();
  backtest->add_option("--restart-cost", bt.restart_cost_usd, "An interruption suffered costs this much USD (lost work)")
      ->check(CLI::Range(0.0, 1e6))->capture_default_str();
  backtest->add_option("-o,--out", bt.out_dir, "Directory for index.html, report.json, decisions.csv and the charts")->required();
  backtest->add_option("--dlq", bt.dlq_file, "Write input lines that do not decode to this file with their reasons and bytes "
                                             "(JSON lines, as on spot.dlq); the report counts and names them either way");

  auto* advisor = app.add_subcommand("advisor", "Reference data: the Spot Advisor file (interruption bands, instance hardware)");
  advisor->require_subcommand(1);
  AdvisorOptions advisor_opts;
  auto* advisor_fetch = advisor->add_subcommand(
      "fetch", "Download the Spot Advisor file if it changed (ETag / If-Modified-Since), validate it and replace\n"
               "the file atomically; a running `spotstream run` reloads it. Exit 0: updated or up to date; 1: the\n"
               "download failed and the last good file stays");
  add_common(*advisor_fetch, common);
  advisor_fetch->add_option("--url", advisor_opts.url, "Where from (default advisor.url, AWS's public file)");
  advisor_fetch->add_option("-o,--out", advisor_opts.out, "The file to keep fresh (default risk.spot_advisor_file)");

  auto* config = app.add_subcommand("config", "Print every configuration property: name, value (after the file, the\n"
                                               "SPOTSTREAM_* environment and --set), bounds, description");
  add_common(*config, common);
  bool config_defaults = false;
  config->add_flag("--defaults", config_defaults, "Print a YAML configuration file holding every default, annotated");

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
    if (backtest->parsed()) return backtest_command(cfg, bt);
    if (train->parsed()) return train_command(cfg, train_opts);
    if (evaluate->parsed()) return evaluate_command(cfg, train_opts);
    if (advisor_fetch->parsed()) return advisor_fetch_command(cfg, advisor_opts);
    if (config->parsed()) {
      std::cout << (config_defaults ? Config::defaults_yaml() : cfg.describe());
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
