#pragma once
//! The CLI's subcommands. Each returns the process exit status.
#include <string>
#include <vector>

#include "src/cli/price_history.hpp"
#include "src/config/config.hpp"

namespace spotstream {
struct SynthOptions;
struct SynthCounts;
}

namespace spotstream::cli {

//! Options every subcommand shares; turned into a Config by load_config().
struct CommonOptions {
  std::string config_file;
  std::vector<std::string> sets;  //!< key=value
  std::string brokers;            //!< sets kafka.bootstrap.servers
  std::string log_level;
  std::string log_format;  //!< sets log.format
};

//! Defaults <- YAML file <- SPOTSTREAM_* environment <- --set <- --brokers. Throws ConfigError with a clear message.
Config load_config(const CommonOptions& opts);

struct RunOptions {
  std::string bootstrap_file;
};
int run_command(Config cfg, const RunOptions& opts);
int broker_command(Config cfg, const RunOptions& opts);

struct FeedOptions {
  std::uint64_t seed = 42;
  int days = 8;
  int nodes = 60;
  std::string start;  //!< ISO-8601; empty: the generator's default
  std::string price_format;  //!< canonical or aws; empty: synth canonical, file aws
  std::vector<std::string> files;
};
//! Generator options from the CLI's feed options; throws ConfigError on a bad --start.
SynthOptions synth_options(const FeedOptions& opts);
//! "N events (T price ticks, ...)" for the CLI's reports.
std::string describe(const SynthCounts& counts);
int feed_synth_command(const Config& cfg, const FeedOptions& opts);
int feed_file_command(const Config& cfg, const FeedOptions& opts);

int demo_command(Config cfg, const FeedOptions& opts);

//! `advisor fetch`: --url (else advisor.url) into --out (else risk.spot_advisor_file).
struct AdvisorOptions {
  std::string url, out;
};
int advisor_fetch_command(const Config& cfg, const AdvisorOptions& opts);

struct RiskOptions {
  PriceHistoryOptions history;
  bool every_tick = false;
  std::string output_file;  //!< empty: stdout
  std::string dlq_file;     //!< bad lines and dead letters; empty: counted and logged only
};
int risk_command(Config cfg, const RiskOptions& opts);

//! `backtest`: the price history (files, --synth or --topic; --from/--to bound the period for any
//! of them), signal and fleet files beside price files, the simulated fleet and its costs.
struct BacktestCommandOptions {
  PriceHistoryOptions history;
  std::vector<std::string> signal_files, fleet_files;
  int nodes = 10;
  std::string instance_type, region, product;
  double vcpu = 0, memory_gib = 0;
  std::vector<std::string> pools;
  double migration_minutes = 5, downtime_minutes = 10, restart_cost_usd = 0, warmup_hours = 24;
  std::string out_dir;
  std::string dlq_file;  //!< input lines that do not decode, with their bytes; empty: counted and reported only
};
int backtest_command(const Config& cfg, const BacktestCommandOptions& opts);

//! `train` and `evaluate`: where the price history comes from, how rows are labelled and split.
struct TrainOptions {
  PriceHistoryOptions history;
  std::string label = "rise";       //!< rise | notice
  std::vector<std::string> signal_files, fleet_files;  //!< with --input and --label notice
  double rise = 0.03;
  double horizon_hours = 12;
  std::string test_from;            //!< ISO-8601; empty: the last --test-fraction of the span
  double test_fraction = 0.25;
  double validation_fraction = 0.2;
  std::string export_features;      //!< CSV of every labelled row (for tests/models/train_xgboost.py)
  // train
  std::string output, name, version, features;
  double l2 = 1e-3;
  // evaluate
  std::string model, predictions;
};
//! The default feature list of `train --features`.
extern const char* const kDefaultTrainFeatures;
int train_command(const Config& cfg, const TrainOptions& opts);
int evaluate_command(const Config& cfg, const TrainOptions& opts);

}  // namespace spotstream::cli
