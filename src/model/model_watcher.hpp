#pragma once
//! Hot reload: a thread that watches `model.file`, `risk.spot_advisor_file` and
//! `catalog.on_demand_file` (every
//! `model.reload_interval_ms`) and swaps a changed, valid file into the ScoringContext the shards
//! read. A file that fails to load (not JSON, a feature spotstream cannot produce, a broken
//! booster, a half-written file...) is refused with an error in the log and a count in the
//! metrics; the model in use stays. A file whose bytes did not change (touched, rewritten with the
//! same content) is not loaded again. Writing a new file and renaming it over the old one is the
//! safe way to publish a model; a file written in place is picked up once it parses.
//!
//! With `model.topic` set it also runs a ModelTopicListener (model_topic.hpp): models then come
//! from the file and from the topic, the latest valid one wins.
//!
//! Owns its thread; stops and joins it on destruction.
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "src/config/config.hpp"
#include "src/model/model_topic.hpp"
#include "src/model/scoring_context.hpp"
#include "src/model/model_metrics.hpp"

namespace spotstream {

//! The model and advisor a configuration names, loaded now: throws ConfigError naming the file
//! when either cannot be loaded (a processor does not start on a bad model).
std::shared_ptr<ScoringContext> load_scoring_context(const Config& cfg);

class ModelWatcher {
 public:
  //! Watches the files `cfg` names, publishing into `context`. No thread when
  //! model.reload_interval_ms is 0 or no file is configured.
  ModelWatcher(const Config& cfg, std::shared_ptr<ScoringContext> context, ModelMetrics& metrics);
  ~ModelWatcher();
  ModelWatcher(const ModelWatcher&) = delete;
  ModelWatcher& operator=(const ModelWatcher&) = delete;

  //! Checks the files once, now (the thread calls it every interval; tests may too).
  void poll();

 private:
  struct Watched {
    std::filesystem::path path;
    std::filesystem::file_time_type mtime{};
    std::uintmax_t size = 0;
    std::uint64_t hash = 0;  //!< of the bytes last loaded or refused
  };
  //! The file's bytes when its (mtime, size, content) moved since the last look; else nullopt.
  static std::optional<std::string> changed(Watched& w);
  void run();

  std::shared_ptr<ScoringContext> context_;
  ModelMetrics& metrics_;
  void poll_on_demand();
  Watched model_, advisor_, on_demand_;
  std::chrono::milliseconds interval_;
  std::mutex mu_;  // poll() from the thread and from tests
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;
  std::unique_ptr<ModelTopicListener> topic_;
};

}  // namespace spotstream
