#include "src/model/model_loader.hpp"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "src/core/time.hpp"
#include "src/model/heuristic_model.hpp"
#include "src/model/logistic_model.hpp"
#include "src/model/xgboost_model.hpp"

namespace spotstream {

namespace {

using Json = nlohmann::json;

// A booster_file can come from a message on the models topic: only a regular file of sane size is
// read, so a path such as /dev/zero or a FIFO cannot exhaust memory or block the reload thread.
constexpr std::uintmax_t kMaxModelFileBytes = 256ull << 20;

std::string read_text(const std::filesystem::path& path, const char* what) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::is_regular_file(status))
    throw ModelError(std::string("cannot open ") + what + " " + path.string() + " (not a regular file)");
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || size > kMaxModelFileBytes)
    throw ModelError(std::string(what) + " " + path.string() + " is over " +
                     std::to_string(kMaxModelFileBytes >> 20) + " MiB");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ModelError(std::string("cannot open ") + what + " " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string required_string(const Json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_string() || j[key].get<std::string>().empty())
    throw ModelError(std::string("'") + key + "' must be a non-empty string");
  return j[key].get<std::string>();
}

double number_in(const Json& j, const char* key, double lo, double hi, double fallback, bool required) {
  if (!j.contains(key)) {
    if (required) throw ModelError(std::string("'") + key + "' is missing");
    return fallback;
  }
  if (!j[key].is_number()) throw ModelError(std::string("'") + key + "' must be a number");
  const double v = j[key].get<double>();
  if (!(v >= lo && v <= hi))
    throw ModelError(std::string("'") + key + "' is " + j[key].dump() + "; it must be between " + Json(lo).dump() +
                     " and " + Json(hi).dump());
  return v;
}

std::vector<double> numbers(const Json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_array()) throw ModelError(std::string("'") + key + "' must be an array of numbers");
  std::vector<double> out;
  for (const auto& v : j[key]) {
    if (!v.is_number()) throw ModelError(std::string("'") + key + "' holds a value that is not a number: " + v.dump());
    out.push_back(v.get<double>());
  }
  return out;
}

void flatten_metrics(const Json& j, const std::string& prefix, std::map<std::string, double>& out) {
  for (const auto& [k, v] : j.items()) {
    const std::string key = prefix.empty() ? k : prefix + "." + k;
    if (v.is_number()) out[key] = v.get<double>();
    else if (v.is_object()) flatten_metrics(v, key, out);
  }
}

std::vector<FeatureId> parse_features(const Json& doc) {
  if (!doc.contains("features") || !doc["features"].is_array() || doc["features"].empty())
    throw ModelError("'features' must be a non-empty array of feature names");
  std::vector<FeatureId> ids;
  std::vector<std::string> unknown;
  std::set<std::string> seen;
  for (const auto& f : doc["features"]) {
    if (!f.is_string()) throw ModelError("'features' holds a value that is not a name: " + f.dump());
    const auto name = f.get<std::string>();
    if (!seen.insert(name).second) throw ModelError("feature '" + name + "' is listed twice");
    if (const auto id = feature_by_name(name)) ids.push_back(*id);
    else unknown.push_back(name);
  }
  if (!unknown.empty()) {
    std::string list;
    for (const auto& u : unknown) list += (list.empty() ? "'" : ", '") + u + "'";
    throw ModelError("the model needs feature(s) " + list + " that spotstream cannot produce; it produces: " +
                     feature_catalogue_list());
  }
  if (ids.size() > kMaxModelFeatures) throw ModelError("more than 64 features");
  return ids;
}

ModelInfo parse_info(const Json& doc, const std::string& kind, const std::string& source) {
  ModelInfo info;
  info.kind = kind;
  info.source = source;
  info.name = required_string(doc, "name");
  info.version = required_string(doc, "version");
  info.features = parse_features(doc);
  info.trained_until = required_string(doc, "trained_until");
  const auto t = parse_iso8601(info.trained_until);
  if (!t) throw ModelError("'trained_until' is not an ISO-8601 time: " + info.trained_until);
  info.trained_until_ms = *t;
  info.threshold = number_in(doc, "threshold", 0, 1, 0.5, true);
  info.avoid_at = info.threshold;
  info.caution_at = info.threshold / 2;
  if (doc.contains("labels")) {
    if (!doc["labels"].is_object()) throw ModelError("'labels' must be an object");
    info.avoid_at = number_in(doc["labels"], "avoid_at", 0, 1, info.avoid_at, false);
    info.caution_at = number_in(doc["labels"], "caution_at", 0, 1, info.caution_at, false);
    if (info.caution_at > info.avoid_at) throw ModelError("labels: caution_at must not exceed avoid_at");
  }
  if (doc.contains("metrics")) {
    if (!doc["metrics"].is_object()) throw ModelError("'metrics' must be an object");
    flatten_metrics(doc["metrics"], "", info.metrics);
  }
  return info;
}

std::shared_ptr<const RiskModel> build(const Json& doc, const std::filesystem::path& base_dir, const std::string& source) {
  if (!doc.is_object()) throw ModelError("not a JSON object");
  if (!doc.contains("spotstream_model"))
    throw ModelError("not a spotstream model file (no 'spotstream_model' format field; an XGBoost booster saved by "
                     "Python goes inside a model file's 'xgboost' section, see tests/models/train_xgboost.py)");
  if (doc["spotstream_model"] != 1) throw ModelError("unsupported model file format " + doc["spotstream_model"].dump() + " (this build reads 1)");
  const std::string kind = required_string(doc, "kind");
  if (kind == "heuristic") {
    const std::string version = doc.contains("version") && doc["version"].is_string() ? doc["version"].get<std::string>()
                                                                                       : std::string(HeuristicModel::kVersion);
    return std::make_shared<const HeuristicModel>(version, source);
  }
  if (kind != "logistic" && kind != "xgboost")
    throw ModelError("unknown model kind '" + kind + "' (heuristic, logistic or xgboost)");
  ModelInfo info = parse_info(doc, kind, source);
  std::shared_ptr<const RiskModel> model;
  try {
    if (kind == "logistic") {
      if (!doc.contains("logistic") || !doc["logistic"].is_object()) throw ModelError("a logistic model needs a 'logistic' object");
      const Json& l = doc["logistic"];
      LogisticParams p;
      p.intercept = number_in(l, "intercept", -1e300, 1e300, 0, true);
      p.coefficients = numbers(l, "coefficients");
      p.mean = numbers(l, "mean");
      p.scale = numbers(l, "scale");
      model = std::make_shared<const LogisticModel>(std::move(info), std::move(p));
    } else {
      if (!doc.contains("xgboost") || !doc["xgboost"].is_object()) throw ModelError("an xgboost model needs an 'xgboost' object");
      const Json& x = doc["xgboost"];
      std::string booster;
      if (x.contains("booster") && x["booster"].is_object()) {
        booster = x["booster"].dump();
      } else if (x.contains("booster_file") && x["booster_file"].is_string()) {
        std::filesystem::path p = x["booster_file"].get<std::string>();
        if (p.is_relative()) p = base_dir / p;
        booster = read_text(p, "booster file");
      } else {
        throw ModelError("'xgboost' needs 'booster_file' (a path) or 'booster' (the saved booster inline)");
      }
      model = std::make_shared<const XGBoostModel>(std::move(info), booster);
    }
  } catch (const std::invalid_argument& e) {
    throw ModelError(e.what());
  }
  // A probe on a pool whose every optional input is unknown: the model must still give a probability.
  const double p = model->crash_probability(Features{});
  if (!(p >= 0 && p <= 1)) throw ModelError("a probe prediction gives " + Json(p).dump() + ", not a probability");
  return model;
}

}  // namespace

std::shared_ptr<const RiskModel> load_model_text(std::string_view text, const std::filesystem::path& base_dir,
                                                 const std::string& source) {
  const Json doc = Json::parse(text, nullptr, false);
  try {
    if (doc.is_discarded()) throw ModelError("not valid JSON");
    return build(doc, base_dir, source);
  } catch (const ModelError& e) {
    throw ModelError("model " + source + " refused: " + e.what());
  }
}

std::shared_ptr<const RiskModel> load_model_file(const std::filesystem::path& path) {
  std::string text;
  try {
    text = read_text(path, "model file");
  } catch (const ModelError& e) {
    throw ModelError(std::string("model ") + path.string() + " refused: " + e.what());
  }
  return load_model_text(text, path.parent_path(), path.string());
}

std::shared_ptr<const RiskModel> builtin_model() {
  static const std::shared_ptr<const RiskModel> m = std::make_shared<const HeuristicModel>();
  return m;
}

}  // namespace spotstream
