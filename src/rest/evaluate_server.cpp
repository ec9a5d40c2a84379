#include "src/rest/evaluate_server.hpp"

#include <httplib.h>
#include <sys/socket.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <charconv>
#include <chrono>
#include <ctime>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "src/codec/az_region.hpp"

namespace spotstream {

namespace {

using Json = nlohmann::ordered_json;

EvaluateServer::Reply error(int status, const std::string& message) {
  return {status, Json{{"error", message}}.dump()};
}

Json number_or_null(double v) { return std::isnan(v) ? Json() : Json(v); }

bool valid_type(std::string_view t) {
  const auto dot = t.find('.');
  if (t.empty() || t.size() > 64 || dot == std::string_view::npos || dot == 0 || dot + 1 == t.size() ||
      t.find('.', dot + 1) != std::string_view::npos)
    return false;
  for (char c : t)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  return true;
}

}  // namespace

EvaluateServer::EvaluateServer(std::shared_ptr<DecisionServices> services) : services_(std::move(services)) {
  add_get("/health", [this] { return health(); });
}

void EvaluateServer::add_get(std::string path, std::function<Reply()> handler, std::string content_type) {
  gets_.push_back(Endpoint{std::move(path), std::move(handler), std::move(content_type)});
}

EvaluateServer::~EvaluateServer() { stop(); }

EvaluateServer::Reply EvaluateServer::health() const {
  return {200, Json{{"status", "ok"}, {"pools", services_->table.pools()}}.dump()};
}

EvaluateServer::Reply EvaluateServer::evaluate(std::string_view body) const {
  const auto started = std::chrono::steady_clock::now();
  const Json req = Json::parse(body, nullptr, false);
  if (!req.is_object()) return error(400, "the body must be a JSON object");
  NodeNeeds n;
  std::string instance_id;
  try {
    auto text = [&](const Json& from, const char* name, std::string& out, bool required) {
      if (!from.contains(name) || from[name].is_null()) {
        if (required) throw std::invalid_argument(std::string("missing field '") + name + "'");
        return;
      }
      if (!from[name].is_string() || from[name].get_ref<const std::string&>().empty())
        throw std::invalid_argument(std::string("field '") + name + "' must be a non-empty string");
      out = from[name].get<std::string>();
    };
    auto quantity = [&](const Json& from, const char* name, double& out) {
      if (!from.contains(name) || from[name].is_null()) return;
      if (!from[name].is_number() || !(from[name].get<double>() >= 0) || from[name].get<double>() > 1e6)
        throw std::invalid_argument(std::string("field '") + name + "' must be a number between 0 and 1000000");
      out = from[name].get<double>();
    };
    text(req, "instance_type", n.instance_type, true);
    text(req, "availability_zone", n.az, true);
    text(req, "product", n.product, false);
    text(req, "instance_id", instance_id, false);
    for (const Json* from : {&req, req.contains("requirements") ? &req["requirements"] : nullptr}) {
      if (!from) continue;
      if (!from->is_object()) throw std::invalid_argument("field 'requirements' must be an object");
      quantity(*from, "vcpu", n.vcpu);
      quantity(*from, "memory_gib", n.memory_gib);
      text(*from, "arch", n.arch, false);
    }
  } catch (const std::invalid_argument& e) {
    return error(400, e.what());
  }
  if (!valid_type(n.instance_type)) return error(400, "'" + n.instance_type + "' is not an instance type (family.size)");
  const auto region = region_of_az(n.az);
  if (!region) return error(400, "'" + n.az + "' is not an availability zone name or id");
  n.region.assign(*region);
  if (n.product.empty()) n.product = "Linux/UNIX";
  n.family = n.instance_type.substr(0, n.instance_type.find('.'));

  const Evaluation e = services_->engine.evaluate(n);
  const std::string pool = PoolId::text(n.az, n.instance_type, n.product);
  if (!e.known) return error(404, "no risk score for pool " + pool + " yet: the stream has not seen a price for it");
  const Verdict& v = e.verdict;
  Json out;
  out["pool"] = pool;
  const auto signal = instance_id.empty() ? std::nullopt : services_->signals.get(instance_id);
  if (signal) {  // signals beat the model, as on the stream
    out["decision"] = to_string(signal->kind);
    out["reason"] = signal->reason;
    // The replacement the stream named (it knows the pools in cool-down), else the best now.
    if (signal->kind == DecisionKind::Evacuate) out["target"] = signal->target.empty() ? e.replacement : signal->target;
    out["yield"] = number_or_null(signal->kind == DecisionKind::Evacuate ? e.replacement_yield : kAbsent);
  } else {
    out["decision"] = to_string(v.kind);
    out["reason"] = v.reason;
    if (!v.target.empty()) out["target"] = v.target;
    out["yield"] = number_or_null(v.yield);
  }
  out["crash_probability"] = number_or_null(v.crash_probability);
  // What one node pays per hour here and at the target (whole instances), as on spot.decisions.
  const std::string why = signal && signal->kind != DecisionKind::Stay ? signal->why : v.kind == DecisionKind::Switch ? v.why : "";
  if (!why.empty()) out["why"] = why;
  if (!std::isnan(v.current_price)) out["current_price_per_hour"] = v.current_price;
  if (!signal && v.kind == DecisionKind::Switch && !std::isnan(v.target_price)) {
    out["target_price_per_hour"] = v.target_price;
    if (!std::isnan(v.current_price)) out["estimated_saving_per_hour"] = v.current_price - v.target_price;
  }
  out["aws_signal"] = signal ? signal->signal : "none";
  out["model"] = v.model;
  out["execution_time_ms"] =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  return {200, out.dump()};
}

EvaluateServer::Limits EvaluateServer::limits(const Config& cfg) {
  Limits l;
  l.threads = static_cast<int>(cfg.get_int("rest.threads"));
  l.read_timeout_ms = static_cast<int>(cfg.get_int("rest.read_timeout_ms"));
  l.max_body_bytes = static_cast<std::size_t>(cfg.get_int("rest.max_body_bytes"));
  l.token = cfg.get_string("rest.token");
  return l;
}

namespace {

// Compared in constant time: how long a refusal takes says nothing of how much of the token
// was right.
bool bearer_matches(std::string_view header, const std::string& token) {
  constexpr std::string_view kScheme = "Bearer ";
  if (header.size() < kScheme.size()) return false;
  for (std::size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != std::tolower(static_cast<unsigned char>(kScheme[i])))
      return false;
  const std::string_view given = header.substr(kScheme.size());
  unsigned diff = given.size() == token.size() ? 0 : 1;
  for (std::size_t i = 0; i < token.size(); ++i)
    diff |= static_cast<unsigned char>(token[i]) ^ static_cast<unsigned char>(i < given.size() ? given[i] : 0);
  return diff == 0;
}

// The probes stay open: a liveness or readiness check tells nothing an attacker could use.
bool is_probe(const httplib::Request& req) { return req.method == "GET" && (req.path == "/health" || req.path == "/ready"); }

}  // namespace

void EvaluateServer::route_errors(const Limits& limits) {
  // A body announced over the limit is refused from the headers: httplib would otherwise read (and
  // discard) all of it first, holding a worker for as long as the client cares to send.
  server_->set_pre_routing_handler([max = limits.max_body_bytes, token = limits.token](const httplib::Request& req,
                                                                                       httplib::Response& res) {
    if (!token.empty() && !is_probe(req) && !bearer_matches(req.get_header_value("Authorization"), token)) {
      const Reply r = error(401, "this endpoint needs Authorization: Bearer <rest.token>");
      res.status = r.status;
      res.set_header("WWW-Authenticate", "Bearer realm=\"spotstream\"");
      res.set_content(r.body, "application/json");
      return httplib::Server::HandlerResponse::Handled;
    }
    const auto length = req.get_header_value("Content-Length");
    std::uint64_t n = 0;
    const auto [ptr, ec] = std::from_chars(length.data(), length.data() + length.size(), n);
    if (length.empty() || (ec == std::errc() && ptr == length.data() + length.size() && n <= max))
      return httplib::Server::HandlerResponse::Unhandled;
    const Reply r = error(413, "request body of " + length + " bytes is over the limit of " + std::to_string(max) +
                                   " bytes (rest.max_body_bytes)");
    res.status = r.status;
    res.set_header("Connection", "close");
    res.set_content(r.body, "application/json");
    return httplib::Server::HandlerResponse::Handled;
  });
  auto not_allowed = [](const char* allow) {
    return [allow](const httplib::Request& req, httplib::Response& res) {
      const Reply r = error(405, req.method + " is not allowed on " + req.path + " (" + allow + " is)");
      res.status = r.status;
      res.set_header("Allow", allow);
      res.set_content(r.body, "application/json");
    };
  };
  std::vector<std::pair<std::string, const char*>> paths = {{"/api/v1/evaluate", "POST"}};
  std::string listing = "POST /api/v1/evaluate";
  for (const auto& e : gets_) {
    paths.emplace_back(e.path, "GET");
    listing += ", GET " + e.path;
  }
  for (const auto& [path, allow] : paths) {
    if (std::string_view(allow) != "POST") server_->Post(path, not_allowed(allow));
    if (std::string_view(allow) != "GET") server_->Get(path, not_allowed(allow));
    server_->Put(path, not_allowed(allow));
    server_->Delete(path, not_allowed(allow));
    server_->Patch(path, not_allowed(allow));
  }
  // Whatever else fails (unknown path, unreadable request) still answers in JSON.
  server_->set_error_handler(httplib::Server::HandlerWithResponse([listing](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    const std::string what = res.status == 404 ? "no such resource: " + req.method + " " + req.path + " (" + listing + ")"
                                               : "the request could not be served (HTTP " + std::to_string(res.status) + ")";
    res.set_content(error(res.status, what).body, "application/json");
    return httplib::Server::HandlerResponse::Handled;
  }));
}

int EvaluateServer::start(const std::string& address, int port, const Limits& limits) {
  server_ = std::make_unique<httplib::Server>();
  server_->set_tcp_nodelay(true);  // small answers: without it, Nagle + delayed ACK add ~40 ms
  server_->new_task_queue = [n = limits.threads] { return new httplib::ThreadPool(static_cast<std::size_t>(n)); };
  const auto timeout = std::chrono::milliseconds(limits.read_timeout_ms);
  server_->set_read_timeout(timeout);
  server_->set_write_timeout(timeout);
  server_->set_keep_alive_timeout(std::max<std::time_t>(1, limits.read_timeout_ms / 1000));
  server_->set_payload_max_length(limits.max_body_bytes);
  route_errors(limits);
  server_->Post("/api/v1/evaluate", [this](const httplib::Request& req, httplib::Response& res) {
    const Reply r = evaluate(req.body);
    res.status = r.status;
    res.set_content(r.body, "application/json");
  });
  for (const auto& e : gets_)
    server_->Get(e.path, [&e](const httplib::Request&, httplib::Response& res) {
      const Reply r = e.handler();
      res.status = r.status;
      res.set_content(r.body, e.content_type);
    });
  // httplib listens with a backlog of 5: a burst of connections beyond it waits for the client's
  // SYN retry (about 1 s). The listening socket is captured as it is created and given a real one.
  int listener = -1;
  server_->set_socket_options([&listener](socket_t sock) {
    httplib::default_socket_options(sock);
    listener = sock;
  });
  const int bound = port == 0 ? server_->bind_to_any_port(address) : (server_->bind_to_port(address, port) ? port : -1);
  if (bound >= 0 && listener >= 0) ::listen(listener, kListenBacklog);
  if (bound < 0)
    throw std::runtime_error("REST API: cannot listen on " + address + ":" + std::to_string(port) +
                             " (in use? set rest.port, 0 for any free port, -1 to disable)");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return bound;
}

void EvaluateServer::stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace spotstream
