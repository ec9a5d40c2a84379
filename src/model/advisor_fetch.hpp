#pragma once
//! Keeps the Spot Advisor file fresh: downloads spot-advisor-data.json over HTTP(S) (cpp-httplib
//! with OpenSSL, the system's CA certificates), conditionally (If-None-Match with the last ETag,
//! If-Modified-Since with the last Last-Modified, kept in "<file>.meta.json"), validates the body
//! as an advisor file (SpotAdvisor::parse), and replaces the file atomically (a temporary file in
//! the same directory, flushed, renamed over it). A failed fetch (unreachable server, an HTTP
//! error, a body that is not an advisor file) changes nothing: the last good file stays. The
//! reload thread (model_watcher) then swaps a replaced file into scoring and decisions.
//! Used by `spotstream advisor fetch` and, every advisor.refresh_interval_ms, inside `run`
//! (AdvisorRefresher). Blocking; one call at a time per file.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "src/config/config.hpp"
#include "src/model/model_metrics.hpp"

namespace spotstream {

struct AdvisorFetchResult {
  enum class Outcome { Updated, NotModified, Failed } outcome = Outcome::Failed;
  std::string message;      //!< for people: what happened, with the reason on failure
  std::size_t entries = 0;  //!< Updated: advisor entries in the new file
};

//! One fetch of `url` into `path` (see above). `timeout_ms` bounds the connection and each read.
AdvisorFetchResult fetch_advisor(const std::string& url, const std::string& path, int timeout_ms = 30000);

//! `run`'s periodic refresh (advisor.refresh_interval_ms > 0 and risk.spot_advisor_file set):
//! fetches at start (before returning when the file does not exist yet, since the processor
//! cannot start without it) and then every interval on its own thread, counting into `metrics`
//! (advisor_fetches, advisor_fetch_failures). Stops and joins on destruction.
class AdvisorRefresher {
 public:
  AdvisorRefresher(const Config& cfg, ModelMetrics& metrics);
  ~AdvisorRefresher();
  AdvisorRefresher(const AdvisorRefresher&) = delete;
  AdvisorRefresher& operator=(const AdvisorRefresher&) = delete;

 private:
  void fetch_once();
  void loop(bool fetch_first);
  std::string url_, path_;
  std::int64_t interval_ms_;
  ModelMetrics& metrics_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace spotstream
