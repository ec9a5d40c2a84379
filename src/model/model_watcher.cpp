#include "src/model/model_watcher.hpp"

#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "src/core/hash.hpp"
#include "src/model/model_loader.hpp"
#include "src/model/spot_advisor.hpp"

namespace spotstream {

namespace {

std::optional<std::string> read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::shared_ptr<ScoringContext> load_scoring_context(const Config& cfg) {
  std::shared_ptr<const RiskModel> model;
  std::shared_ptr<const SpotAdvisor> advisor;
  if (const auto& path = cfg.get_string("model.file"); !path.empty()) {
    try {
      model = load_model_file(path);
    } catch (const ModelError& e) {
      throw ConfigError(std::string("model.file: ") + e.what());
    }
    spdlog::info("risk model {} ({}) from {}", model->info().id(), model->info().kind, path);
  }
  if (const auto& path = cfg.get_string("risk.spot_advisor_file"); !path.empty()) {
    try {
      advisor = std::make_shared<const SpotAdvisor>(SpotAdvisor::load_file(path));
    } catch (const std::exception& e) {
      throw ConfigError(std::string("risk.spot_advisor_file: ") + e.what());
    }
    spdlog::info("Spot Advisor: {} entries, {} instance types from {}", advisor->size(), advisor->instance_count(), path);
  }
  std::shared_ptr<const OnDemandCatalog> on_demand;
  if (const auto& path = cfg.get_string("catalog.on_demand_file"); !path.empty()) {
    try {
      on_demand = std::make_shared<const OnDemandCatalog>(OnDemandCatalog::load_file(path));
    } catch (const std::exception& e) {
      throw ConfigError(std::string("catalog.on_demand_file: ") + e.what());
    }
    spdlog::info("on-demand catalogue: {} prices in {} regions from {} (as of {})", on_demand->prices(),
                 on_demand->regions().size(), path, on_demand->as_of());
  }
  return std::make_shared<ScoringContext>(std::move(model), std::move(advisor), std::move(on_demand));
}

ModelWatcher::ModelWatcher(const Config& cfg, std::shared_ptr<ScoringContext> context, ModelMetrics& metrics)
    : context_(std::move(context)),
      metrics_(metrics),
      interval_(cfg.get_int("model.reload_interval_ms")) {
  model_.path = cfg.get_string("model.file");
  advisor_.path = cfg.get_string("risk.spot_advisor_file");
  on_demand_.path = cfg.get_string("catalog.on_demand_file");
  // What is loaded now is the baseline: only a later change is a reload.
  changed(model_);
  changed(advisor_);
  changed(on_demand_);
  if (interval_.count() > 0 && (!model_.path.empty() || !advisor_.path.empty() || !on_demand_.path.empty()))
    thread_ = std::thread([this] { run(); });
  if (!cfg.get_string("model.topic").empty()) topic_ = std::make_unique<ModelTopicListener>(cfg, context_, metrics);
}

ModelWatcher::~ModelWatcher() {
  topic_.reset();
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::optional<std::string> ModelWatcher::changed(Watched& w) {
  if (w.path.empty()) return std::nullopt;
  std::error_code ec;
  const auto mtime = std::filesystem::last_write_time(w.path, ec);
  if (ec) return std::nullopt;  // gone for a moment (being replaced): look again next time
  const auto size = std::filesystem::file_size(w.path, ec);
  if (ec || (mtime == w.mtime && size == w.size)) return std::nullopt;
  auto bytes = read_bytes(w.path);
  if (!bytes) return std::nullopt;
  w.mtime = mtime;
  w.size = size;
  const std::uint64_t h = fnv1a64(*bytes);
  if (h == w.hash) return std::nullopt;
  w.hash = h;
  return bytes;
}

void ModelWatcher::poll() {
  std::lock_guard lock(mu_);
  if (const auto text = changed(model_)) {
    try {
      auto m = load_model_text(*text, model_.path.parent_path(), model_.path.string());
      const std::string id = m->info().id();
      const std::string previous = context_->snapshot().model->info().id();
      context_->publish_model(std::move(m));
      metrics_.model_reloads.inc();
      spdlog::info("risk model reloaded: {} replaces {} (from {})", id, previous, model_.path.string());
    } catch (const ModelError& e) {
      metrics_.model_rejects.inc();
      spdlog::error("{}; keeping {}", e.what(), context_->snapshot().model->info().id());
    }
  }
  if (const auto text = changed(advisor_)) {
    try {
      auto a = std::make_shared<const SpotAdvisor>(SpotAdvisor::parse(*text));
      spdlog::info("Spot Advisor reloaded: {} entries, {} instance types from {}", a->size(), a->instance_count(),
                   advisor_.path.string());
      context_->publish_advisor(std::move(a));
      metrics_.advisor_reloads.inc();
    } catch (const std::exception& e) {
      metrics_.advisor_rejects.inc();
      spdlog::error("Spot Advisor file {} refused: {}; keeping the data loaded before", advisor_.path.string(), e.what());
    }
  }
  poll_on_demand();
}

void ModelWatcher::poll_on_demand() {
  const auto text = changed(on_demand_);
  if (!text) return;
  try {
    auto c = std::make_shared<const OnDemandCatalog>(OnDemandCatalog::parse(*text));
    spdlog::info("on-demand catalogue reloaded: {} prices in {} regions from {} (as of {})", c->prices(),
                 c->regions().size(), on_demand_.path.string(), c->as_of());
    context_->publish_on_demand(std::move(c));
    metrics_.on_demand_reloads.inc();
  } catch (const std::exception& e) {
    metrics_.on_demand_rejects.inc();
    spdlog::error("on-demand catalogue {} refused: {}; keeping the catalogue loaded before", on_demand_.path.string(),
                  e.what());
  }
}

void ModelWatcher::run() {
  std::unique_lock lock(stop_mu_);
  while (!stop_cv_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    poll();
    lock.lock();
  }
}

}  // namespace spotstream
