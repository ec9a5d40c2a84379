#include "src/rest/evaluate_server.hpp"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <chrono>
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

EvaluateServer::EvaluateServer(std::shared_ptr<DecisionServices> services) : services_(std::move(services)) {}

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
  n.region = *region;
  if (n.product.empty()) n.product = "Linux/UNIX";
  n.family = n.instance_type.substr(0, n.instance_type.find('.'));

  const Evaluation e = services_->engine.evaluate(n);
  const std::string pool = n.az + "/" + n.instance_type + "/" + n.product;
  if (!e.known) return error(404, "no risk score for pool " + pool + " yet: the stream has not seen a price for it");
  const Verdict& v = e.verdict;
  Json out;
  out["pool"] = pool;
  const auto signal = instance_id.empty() ? std::nullopt : services_->signals.get(instance_id);
  if (signal) {  // signals beat the model, as on the stream
    out["decision"] = to_string(signal->kind);
    out["reason"] = signal->reason;
    if (signal->kind == DecisionKind::Evacuate) out["target"] = e.replacement;
    out["yield"] = number_or_null(signal->kind == DecisionKind::Evacuate ? e.replacement_yield : kAbsent);
  } else {
    out["decision"] = to_string(v.kind);
    out["reason"] = v.reason;
    if (!v.target.empty()) out["target"] = v.target;
    out["yield"] = number_or_null(v.yield);
  }
  out["crash_probability"] = number_or_null(v.crash_probability);
  out["aws_signal"] = signal ? signal->signal : "none";
  out["model"] = v.model;
  out["execution_time_ms"] =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  return {200, out.dump()};
}

int EvaluateServer::start(const std::string& address, int port) {
  server_ = std::make_unique<httplib::Server>();
  server_->set_tcp_nodelay(true);  // small answers: without it, Nagle + delayed ACK add ~40 ms
  server_->Post("/api/v1/evaluate", [this](const httplib::Request& req, httplib::Response& res) {
    const Reply r = evaluate(req.body);
    res.status = r.status;
    res.set_content(r.body, "application/json");
  });
  server_->Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    const Reply r = health();
    res.status = r.status;
    res.set_content(r.body, "application/json");
  });
  const int bound = port == 0 ? server_->bind_to_any_port(address) : (server_->bind_to_port(address, port) ? port : -1);
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
