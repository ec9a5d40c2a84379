#pragma once
//! The REST API (cpp-httplib): single-instance evaluation from live state.
//!   POST /api/v1/evaluate {"instance_type","availability_zone", optional "product", "vcpu",
//!        "memory_gib", "arch" (also under "requirements"), "instance_id"}
//!     -> {"decision","reason","crash_probability","aws_signal","target"?,"yield","model","pool",
//!         "execution_time_ms"}   (400 on a bad request, 404 when the pool has no score yet)
//!   GET /health -> {"status":"ok","pools":N}
//!   and whatever add_get() adds (spotstream run: GET /ready, GET /metrics).
//! Every error answer is JSON {"error": "..."}: 401 without the bearer token (rest.token, when set;
//! compared in constant time), 404 unknown path, 405 wrong method (with Allow), 413 body over the
//! limit (answered from the headers, before the body is read).
//! Each connection holds a worker while it is read; idle and slow connections are closed after
//! the read timeout, and the workers are many, so a few such clients cannot starve the others.
//! The answer is the decision engine's, on the replicated risk table's latest scores, as a node
//! that just joined the pool would get it (no fleet: no diversity cap; no history: no dwell);
//! an AWS signal in force for "instance_id" overrides it as on the stream. Its own threads
//! (httplib's pool); reads only thread-safe shared state.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "src/config/config.hpp"
#include "topology/decision_services.hpp"

namespace httplib {
class Server;
}

namespace spotstream {

class EvaluateServer {
 public:
  struct Reply {
    int status = 200;
    std::string body;  //!< JSON
  };

  struct Limits {
    int threads = 64;
    int read_timeout_ms = 2000;  //!< also how long an idle keep-alive connection is kept
    std::size_t max_body_bytes = 1 << 20;
    //! Non-empty: every request but the probes (GET /health, GET /ready) must carry
    //! `Authorization: Bearer <token>`, or gets 401.
    std::string token;
  };
  //! rest.threads, rest.read_timeout_ms, rest.max_body_bytes, rest.token.
  static Limits limits(const Config& cfg);

  explicit EvaluateServer(std::shared_ptr<DecisionServices> services);
  ~EvaluateServer();

  //! A GET endpoint answered by `handler` with `content_type` (before start()).
  void add_get(std::string path, std::function<Reply()> handler, std::string content_type = "application/json");

  //! Binds and starts serving; `port` 0 picks a free port. Returns the port; throws
  //! std::runtime_error when it cannot bind.
  int start(const std::string& address, int port, const Limits& limits);
  int start(const std::string& address, int port) { return start(address, port, Limits{}); }
  void stop();

  //! The evaluation without HTTP (what the handler runs; also used by tests and bench/evaluate).
  Reply evaluate(std::string_view body) const;
  Reply health() const;

 private:
  void route_errors(const Limits& limits);
  static constexpr int kListenBacklog = 1024;

  struct Endpoint {
    std::string path;
    std::function<Reply()> handler;
    std::string content_type;
  };
  //! The GET endpoints: /health and those added.
  std::vector<Endpoint> gets_;
  std::shared_ptr<DecisionServices> services_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace spotstream
