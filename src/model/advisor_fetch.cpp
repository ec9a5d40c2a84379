#include "src/model/advisor_fetch.hpp"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <unistd.h>

#include "src/model/spot_advisor.hpp"

namespace spotstream {

namespace {

struct Url {
  std::string origin;  //!< scheme://host[:port]
  std::string path;
};

Url split_url(const std::string& url) {
  static const std::regex form(R"(^(https?://[^/]+)(/.*)?$)");
  std::smatch m;
  if (!std::regex_match(url, m, form)) throw std::invalid_argument("not an http:// or https:// URL: " + url);
  return {m[1].str(), m[2].matched ? m[2].str() : "/"};
}

nlohmann::json read_meta(const std::string& meta_path) {
  std::ifstream in(meta_path);
  if (!in) return nlohmann::json::object();
  auto j = nlohmann::json::parse(in, nullptr, false);
  return j.is_object() ? j : nlohmann::json::object();
}

// Writes `bytes` next to `path` and renames it over `path`: a reader sees the old file or the new
// one, never half of one.
void write_atomically(const std::string& path, const std::string& bytes) {
  const auto tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw std::runtime_error("cannot write " + tmp);
    const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size() && std::fflush(f) == 0 &&
                    ::fsync(fileno(f)) == 0;
    std::fclose(f);
    if (!ok) {
      std::filesystem::remove(tmp);
      throw std::runtime_error("cannot write " + tmp);
    }
  }
  std::filesystem::rename(tmp, path);
}

AdvisorFetchResult failed(const std::string& url, const std::string& why) {
  return {AdvisorFetchResult::Outcome::Failed, "advisor: fetching " + url + " failed (" + why + "); the last good file stays", 0};
}

}  // namespace

AdvisorFetchResult fetch_advisor(const std::string& url, const std::string& path, int timeout_ms) {
  Url u;
  try {
    u = split_url(url);
  } catch (const std::invalid_argument& e) {
    return failed(url, e.what());
  }
  const auto meta_path = path + ".meta.json";
  const bool have_file = std::filesystem::exists(path);
  const auto meta = have_file ? read_meta(meta_path) : nlohmann::json::object();
  httplib::Headers headers;
  if (meta.value("url", "") == url) {
    if (auto etag = meta.value("etag", ""); !etag.empty()) headers.emplace("If-None-Match", etag);
    if (auto lm = meta.value("last_modified", ""); !lm.empty()) headers.emplace("If-Modified-Since", lm);
  }
  httplib::Client client(u.origin);
  const auto timeout = std::chrono::milliseconds(timeout_ms);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  // Redirects are not followed: httplib would treat a 304 as one (and fail it for want of a
  // Location). advisor.url should name the file itself.
  client.set_follow_location(false);
  const auto res = client.Get(u.path, headers);
  if (!res) return failed(url, "no answer: " + httplib::to_string(res.error()));
  if (res->status == 304) return {AdvisorFetchResult::Outcome::NotModified, "advisor: " + path + " is up to date (304 Not Modified)", 0};
  if (res->status != 200) return failed(url, "HTTP " + std::to_string(res->status));
  std::size_t entries = 0;
  try {
    entries = SpotAdvisor::parse(res->body).size();
    if (entries == 0) throw std::runtime_error("it holds no entry");
  } catch (const std::exception& e) {
    return failed(url, std::string("the body is not a Spot Advisor file: ") + e.what());
  }
  try {
    write_atomically(path, res->body);
    nlohmann::json m{{"url", url},
                     {"etag", res->get_header_value("ETag")},
                     {"last_modified", res->get_header_value("Last-Modified")},
                     {"bytes", res->body.size()}};
    write_atomically(meta_path, m.dump(2) + "\n");
  } catch (const std::exception& e) {
    return failed(url, e.what());
  }
  return {AdvisorFetchResult::Outcome::Updated,
          "advisor: " + path + " updated from " + url + " (" + std::to_string(entries) + " entries, " +
              std::to_string(res->body.size()) + " bytes)",
          entries};
}

AdvisorRefresher::AdvisorRefresher(const Config& cfg, ModelMetrics& metrics)
    : url_(cfg.get_string("advisor.url")),
      path_(cfg.get_string("risk.spot_advisor_file")),
      interval_ms_(cfg.get_int("advisor.refresh_interval_ms")),
      metrics_(metrics) {
  if (interval_ms_ <= 0) return;
  if (path_.empty()) {
    spdlog::warn("advisor: advisor.refresh_interval_ms is set but risk.spot_advisor_file is not: nothing to refresh");
    return;
  }
  // Without a file the processor cannot start (the advisor is loaded before the stream runs):
  // the first download is made now. With one, it is refreshed in the background at once.
  const bool have_file = std::filesystem::exists(path_);
  if (!have_file) fetch_once();
  thread_ = std::thread([this, have_file] { loop(have_file); });
}

void AdvisorRefresher::fetch_once() {
  const auto r = fetch_advisor(url_, path_);
  metrics_.advisor_fetches.inc();
  if (r.outcome == AdvisorFetchResult::Outcome::Failed) {
    metrics_.advisor_fetch_failures.inc();
    spdlog::warn("{}", r.message);
  } else {
    spdlog::info("{}", r.message);
  }
}

AdvisorRefresher::~AdvisorRefresher() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AdvisorRefresher::loop(bool fetch_first) {
  std::unique_lock lock(mu_);
  if (!fetch_first) wake_.wait_for(lock, std::chrono::milliseconds(interval_ms_), [this] { return stop_; });
  while (!stop_) {
    lock.unlock();
    fetch_once();
    lock.lock();
    wake_.wait_for(lock, std::chrono::milliseconds(interval_ms_), [this] { return stop_; });
  }
}

}  // namespace spotstream
