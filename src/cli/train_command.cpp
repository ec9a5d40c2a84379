// `spotstream train` and `spotstream evaluate`: labelled feature rows from a price history (files,
// the synthetic market or a range of the prices topic) built by the live price path
// (topology/training_set.hpp); train fits logistic regression and writes a model file, evaluate
// scores any model file on the same held-out slice. Both print their metrics as JSON on stdout.
#include <spdlog/spdlog.h>

#include <Eigen/Core>
#include <algorithm>
#include <limits>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "src/cli/commands.hpp"
#include "src/cli/market_inputs.hpp"
#include "src/codec/price_file.hpp"
#include "src/core/time.hpp"
#include "src/model/classification_metrics.hpp"
#include "src/model/logistic_fit.hpp"
#include "src/model/model_loader.hpp"
#include "src/model/spot_advisor.hpp"
#include "topology/training_set.hpp"

namespace spotstream::cli {

namespace {

using Json = nlohmann::json;

std::vector<PriceTick> load_ticks(const Config& cfg, const TrainOptions& o) {
  auto history = load_price_history(cfg, o.history, false);
  if (!history.bad.empty())
    spdlog::warn("{} message(s) on {} do not decode as prices; left out", history.bad.size(),
                 cfg.get_string("topics.prices"));
  return std::move(history.ticks);
}

// The prices, and with --label notice the interruption notices by pool (the market's signals
// placed by its fleet events, as the backtest places them), and those signals and fleet events
// themselves (`signals_and_fleet`): replayed with the prices, they give the rows their pressure.
std::vector<PriceTick> load_labelled_ticks(const Config& cfg, const TrainOptions& o, LabelRule& label,
                                           std::vector<Event>& signals_and_fleet) {
  if (!label.notice) return load_ticks(cfg, o);
  if (o.history.topic) throw ConfigError("--label notice reads files (--input with --signals and --fleet) or --synth");
  if (!o.history.synth && o.signal_files.empty())
    throw ConfigError("--label notice needs the signals: --signals FILE... and --fleet FILE... (or --synth)");
  BacktestSource source;
  auto market = load_market(cfg, o.history, o.signal_files, o.fleet_files, source);
  if (!source.bad.empty()) spdlog::warn("{} input line(s) do not decode; left out", source.bad.size());
  std::uint64_t unplaced = 0;
  std::size_t notices = 0;
  for (const auto& s : market.signals) signals_and_fleet.emplace_back(s);
  for (const auto& f : market.fleet) signals_and_fleet.emplace_back(f);
  for (const auto& n : pool_notices(std::move(market.signals), std::move(market.fleet),
                                    std::numeric_limits<TimestampMs>::min(), std::numeric_limits<TimestampMs>::max(), unplaced))
    if (n.kind == SignalKind::Interruption) {
      label.notices[n.pool].push_back(n.ts);
      ++notices;
    }
  for (auto& [pool, times] : label.notices) std::sort(times.begin(), times.end());
  spdlog::info("label notice: {} interruption notice(s) in {} pool(s); {} signal(s) no fleet event places", notices,
               label.notices.size(), unplaced);
  if (notices == 0) throw ConfigError("--label notice: no interruption notice could be placed in a pool");
  return std::move(market.ticks);
}

TrainingSet load_set(const Config& cfg, const TrainOptions& o, const std::vector<std::shared_ptr<const RiskModel>>& extra) {
  LabelRule label;
  label.rise = o.rise;
  label.horizon_ms = static_cast<TimestampMs>(o.horizon_hours * 3600.0 * 1000.0);
  label.notice = o.label == "notice";
  std::vector<Event> signals_and_fleet;
  auto ticks = load_labelled_ticks(cfg, o, label, signals_and_fleet);
  std::shared_ptr<const SpotAdvisor> advisor;
  if (const auto& path = cfg.get_string("risk.spot_advisor_file"); !path.empty())
    advisor = std::make_shared<const SpotAdvisor>(SpotAdvisor::load_file(path));
  SplitRule split;
  if (!o.test_from.empty()) split.test_from = parse_time_option(o.test_from, "--test-from");
  split.test_fraction = o.test_fraction;
  split.validation_fraction = o.validation_fraction;
  spdlog::info("building features for {} ticks", ticks.size());
  auto set = build_training_set(std::move(ticks), cfg, advisor, label, split, extra, std::move(signals_and_fleet));
  if (!o.export_features.empty()) {
    set.write_csv(o.export_features);
    spdlog::info("{} rows written to {}", set.rows.size(), o.export_features);
  }
  return set;
}

// A model's crash probabilities for some rows, from their catalogue values.
std::vector<double> predict(const RiskModel& m, const TrainingSet& set, const std::vector<std::size_t>& rows) {
  std::vector<double> p;
  p.reserve(rows.size());
  for (const auto i : rows) p.push_back(m.crash_probability(features_from_catalogue(&set.values[i * kFeatureCount])));
  return p;
}

std::vector<unsigned char> labels_of(const TrainingSet& set, const std::vector<std::size_t>& rows) {
  std::vector<unsigned char> y;
  for (const auto i : rows) y.push_back(set.rows[i].label);
  return y;
}

Json metrics_json(const ClassMetrics& m) {
  const double base_rate = m.rows > 0 ? static_cast<double>(m.positives) / static_cast<double>(m.rows) : 0.0;
  return {{"rows", m.rows},       {"positives", m.positives}, {"base_rate", base_rate}, {"auc", m.auc},
          {"threshold", m.threshold},
          {"precision", m.precision}, {"recall", m.recall},   {"f1", m.f1},           {"tp", m.tp},
          {"fp", m.fp},           {"fn", m.fn},               {"tn", m.tn}};
}

Json split_json(const TrainingSet& set, const TrainOptions& o) {
  Json j;
  for (auto s : {Split::Train, Split::Validation, Split::Test, Split::Purged}) {
    const auto rows = set.rows_of(s);
    std::size_t pos = 0;
    for (const auto i : rows) pos += set.rows[i].label;
    j[std::string(to_string(s))] = {{"rows", rows.size()}, {"positives", pos},
                                    {"base_rate", rows.empty() ? 0.0 : static_cast<double>(pos) / static_cast<double>(rows.size())}};
  }
  j["unlabelled"] = set.unlabelled;
  j["pools"] = set.pools.size();
  j["start"] = format_iso8601(set.start);
  j["validation_from"] = format_iso8601(set.validation_from);
  j["test_from"] = format_iso8601(set.test_from);
  j["end"] = format_iso8601(set.end);
  j["label"] = o.label == "notice" ? Json{{"kind", "notice"}, {"horizon_hours", o.horizon_hours}}
                                    : Json{{"kind", "rise"}, {"rise", o.rise}, {"horizon_hours", o.horizon_hours}};
  return j;
}

// The model's test metrics at `threshold`, and the heuristic's on the same rows (at its own
// validation F1-best threshold, so the comparison is fair to it).
Json held_out(const TrainingSet& set, const std::vector<double>& test_p, double threshold) {
  const auto val = set.rows_of(Split::Validation), test = set.rows_of(Split::Test);
  const auto y_val = labels_of(set, val), y_test = labels_of(set, test);
  std::vector<double> h_val, h_test;
  for (const auto i : val) h_val.push_back(set.score(i, 0));
  for (const auto i : test) h_test.push_back(set.score(i, 0));
  const double h_threshold = best_f1_threshold(h_val, y_val);
  return {{"test", metrics_json(classification_metrics(test_p, y_test, threshold))},
          {"heuristic_test", metrics_json(classification_metrics(h_test, y_test, h_threshold))}};
}

std::vector<FeatureId> parse_feature_list(const std::string& list) {
  std::vector<FeatureId> ids;
  std::stringstream in(list);
  for (std::string name; std::getline(in, name, ',');) {
    if (name.empty()) continue;
    const auto id = feature_by_name(name);
    if (!id) throw ConfigError("--features: unknown feature '" + name + "'; spotstream produces: " + feature_catalogue_list());
    ids.push_back(*id);
  }
  if (ids.empty()) throw ConfigError("--features: no feature named");
  return ids;
}

}  // namespace

const char* const kDefaultTrainFeatures =
    "price_position,discount_depth,family_stress_mean,family_stress_max,family_stress_gap,relative_volatility_24h,"
    "window_range_rel,price_vs_min,hour_sin,hour_cos,is_weekend,is_business_hours,advisor_band,advisor_savings_pct,"
    "instance_cores";

int train_command(const Config& cfg, const TrainOptions& o) {
  if (o.output.empty()) throw ConfigError("train needs --output FILE (the model file to write)");
  const auto features = parse_feature_list(o.features.empty() ? kDefaultTrainFeatures : o.features);
  const TrainingSet set = load_set(cfg, o, {});
  const auto train = set.rows_of(Split::Train), val = set.rows_of(Split::Validation), test = set.rows_of(Split::Test);
  if (train.empty() || val.empty() || test.empty())
    throw ConfigError("the history is too short for a train / validation / test split (rows: " + std::to_string(train.size()) +
                      " / " + std::to_string(val.size()) + " / " + std::to_string(test.size()) + ")");
  Eigen::MatrixXd x(static_cast<Eigen::Index>(train.size()), static_cast<Eigen::Index>(features.size()));
  Eigen::VectorXd y(static_cast<Eigen::Index>(train.size()));
  for (std::size_t r = 0; r < train.size(); ++r) {
    for (std::size_t c = 0; c < features.size(); ++c)
      x(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) = set.value(train[r], features[c]);
    y[static_cast<Eigen::Index>(r)] = set.rows[train[r]].label;
  }
  LogisticFitOptions fit_opts;
  fit_opts.l2 = o.l2;
  const auto fit = fit_logistic(x, y, fit_opts);
  if (!fit.converged) spdlog::warn("logistic fit did not converge in {} iterations", fit_opts.max_iterations);

  ModelInfo info;
  info.kind = "logistic";
  info.name = o.name.empty() ? "logistic" : o.name;
  info.trained_until = format_iso8601(set.test_from);
  info.version = o.version.empty() ? info.trained_until : o.version;
  info.features = features;
  const LogisticModel model(info, fit.params);
  const double threshold = best_f1_threshold(predict(model, set, val), labels_of(set, val));
  Json metrics = held_out(set, predict(model, set, test), threshold);
  metrics["validation"] = metrics_json(classification_metrics(predict(model, set, val), labels_of(set, val), threshold));
  metrics["train_rows"] = train.size();
  metrics["iterations"] = fit.iterations;

  Json doc;
  doc["spotstream_model"] = 1;
  doc["kind"] = "logistic";
  doc["name"] = info.name;
  doc["version"] = info.version;
  doc["features"] = Json::array();
  for (const auto f : features) doc["features"].push_back(std::string(feature_name(f)));
  doc["trained_until"] = info.trained_until;
  doc["threshold"] = threshold;
  doc["metrics"] = metrics;
  doc["training"] = split_json(set, o);
  doc["logistic"] = {{"intercept", fit.params.intercept},
                     {"coefficients", fit.params.coefficients},
                     {"mean", fit.params.mean},
                     {"scale", fit.params.scale}};
  {
    std::ofstream out(o.output);
    out << doc.dump(2) << "\n";
    if (!out) throw std::runtime_error("cannot write " + o.output);
  }
  load_model_file(o.output);  // what was written must load: the same validation as a live reload
  Json report{{"model", o.output}, {"name", info.name}, {"version", info.version}, {"metrics", metrics},
              {"training", doc["training"]}};
  std::cout << report.dump(2) << std::endl;
  return 0;
}

int evaluate_command(const Config& cfg, const TrainOptions& o) {
  if (o.model.empty()) throw ConfigError("evaluate needs --model FILE");
  const auto model = load_model_file(o.model);
  const TrainingSet set = load_set(cfg, o, {});
  const auto test = set.rows_of(Split::Test);
  if (test.empty()) throw ConfigError("no labelled row in the test slice");
  Json report{{"model", o.model}, {"id", model->info().id()}, {"kind", model->info().kind},
              {"metrics", held_out(set, predict(*model, set, test), model->info().threshold)},
              {"training", split_json(set, o)}};
  if (!o.predictions.empty()) {
    std::vector<std::size_t> all(set.rows.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    const auto p = predict(*model, set, all);
    std::FILE* f = std::fopen(o.predictions.c_str(), "w");
    if (f == nullptr) throw std::runtime_error("cannot write " + o.predictions);
    std::fprintf(f, "ts_ms,pool,split,p\n");
    for (std::size_t i = 0; i < all.size(); ++i)
      std::fprintf(f, "%lld,%s,%s,%.17g\n", static_cast<long long>(set.rows[i].ts), set.pools[set.rows[i].pool].c_str(),
                   std::string(to_string(set.rows[i].split)).c_str(), p[i]);
    std::fclose(f);
  }
  std::cout << report.dump(2) << std::endl;
  return 0;
}

}  // namespace spotstream::cli
