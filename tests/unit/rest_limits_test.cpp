// The REST API under clients that misbehave: idle connections must not make it unavailable to the
// others, a body announced too large is refused from its headers at once, and every error answer
// is JSON. Raw sockets play the misbehaving clients; cpp-httplib's client the well-behaved ones.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "src/rest/evaluate_server.hpp"

using namespace spotstream;

namespace {

class RestLimits : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_.set("log.level", "warn");
    server_ = std::make_unique<EvaluateServer>(std::make_shared<DecisionServices>(cfg_));
    port_ = server_->start("127.0.0.1", 0, EvaluateServer::limits(cfg_));
  }
  void TearDown() override {
    for (const int fd : idle_) ::close(fd);
    server_->stop();
  }

  //! A connection that sends nothing.
  int open_idle() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port_));
    ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    idle_.push_back(fd);
    return fd;
  }
  //! Sends raw bytes on a new connection and reads what comes back within `wait` (or until closed).
  std::string raw(const std::string& request, std::chrono::milliseconds wait) {
    const int fd = open_idle();
    EXPECT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
    timeval tv{static_cast<time_t>(wait.count() / 1000), static_cast<suseconds_t>(wait.count() % 1000 * 1000)};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string got;
    char buf[4096];
    for (;;) {
      const auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, static_cast<std::size_t>(n));
      if (got.find("\r\n\r\n") != std::string::npos && got.find('}') != std::string::npos) break;
    }
    return got;
  }
  //! GET /health from a well-behaved client: status, or -1 when it got no answer within 1 s.
  int health() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_connection_timeout(1, 0);
    c.set_read_timeout(1, 0);
    const auto res = c.Get("/health");
    return res ? res->status : -1;
  }

  Config cfg_;
  std::unique_ptr<EvaluateServer> server_;
  int port_ = 0;
  std::vector<int> idle_;
};

}  // namespace

// Fifty connections that send nothing, and eight clients asking at the same time: every one is
// answered within its 1 s timeout.
TEST_F(RestLimits, IdleConnectionsDoNotStarveOtherClients) {
  for (int i = 0; i < 50; ++i) open_idle();
  std::vector<std::future<int>> asks;
  for (int i = 0; i < 8; ++i) asks.push_back(std::async(std::launch::async, [this] { return health(); }));
  for (auto& a : asks) EXPECT_EQ(a.get(), 200);
}

// An idle connection is closed after rest.read_timeout_ms (2 s by default), not held for ever.
TEST_F(RestLimits, IdleConnectionsAreClosed) {
  const int fd = open_idle();
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char c;
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(::recv(fd, &c, 1, 0), 0);  // closed by the server (a timeout would give -1)
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(4500));
}

// A body announced at 10 GB gets 413 from the headers alone, at once, with a JSON error.
TEST_F(RestLimits, AHugeContentLengthGets413AtOnce) {
  const auto started = std::chrono::steady_clock::now();
  const auto got = raw("POST /api/v1/evaluate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       "Content-Length: 10000000000\r\n\r\n{",
                       std::chrono::milliseconds(1500));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1000)) << got;
  EXPECT_EQ(got.rfind("HTTP/1.1 413", 0), 0u) << got;
  const auto body = nlohmann::json::parse(got.substr(got.find("\r\n\r\n") + 4));
  EXPECT_NE(body["error"].get<std::string>().find("rest.max_body_bytes"), std::string::npos) << body.dump();
}

// 404 and 405 answer in JSON; GET on the evaluation endpoint is 405 with Allow: POST.
TEST_F(RestLimits, ErrorsAreJson) {
  httplib::Client c("127.0.0.1", port_);
  const auto get_eval = c.Get("/api/v1/evaluate");
  ASSERT_TRUE(get_eval);
  EXPECT_EQ(get_eval->status, 405);
  EXPECT_EQ(get_eval->get_header_value("Allow"), "POST");
  EXPECT_TRUE(nlohmann::json::parse(get_eval->body).contains("error")) << get_eval->body;
  const auto post_health = c.Post("/health", "{}", "application/json");
  ASSERT_TRUE(post_health);
  EXPECT_EQ(post_health->status, 405);
  EXPECT_EQ(post_health->get_header_value("Allow"), "GET");
  const auto missing = c.Get("/nope");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->get_header_value("Content-Type"), "application/json");
  EXPECT_NE(nlohmann::json::parse(missing->body)["error"].get<std::string>().find("/nope"), std::string::npos);
}

// With rest.token set, every endpoint but the probes wants the bearer token: none, a wrong one, a
// prefix of the right one or the right one with a byte more get 401; the token itself (the
// scheme in any case) gets through. The token is never printed by `config`.
TEST(RestToken, EveryEndpointButTheProbesWantsTheBearerToken) {
  Config cfg;
  cfg.set("log.level", "warn");
  cfg.set("rest.token", "s3cr3t-t0ken");
  EvaluateServer server(std::make_shared<DecisionServices>(cfg));
  server.add_get("/metrics", [] { return EvaluateServer::Reply{200, "{}"}; });
  server.add_get("/ready", [] { return EvaluateServer::Reply{200, "{}"}; });
  const int port = server.start("127.0.0.1", 0, EvaluateServer::limits(cfg));
  httplib::Client c("127.0.0.1", port);
  const auto status = [&](const char* path, const char* auth) {
    httplib::Headers h;
    if (auth) h.emplace("Authorization", auth);
    const auto res = c.Get(path, h);
    return res ? res->status : -1;
  };
  for (const char* bad : {static_cast<const char*>(nullptr), "Bearer wrong", "Bearer s3cr3t", "Bearer s3cr3t-t0ken!",
                          "Basic s3cr3t-t0ken", "s3cr3t-t0ken", "Bearer "})
    EXPECT_EQ(status("/metrics", bad), 401) << (bad ? bad : "(none)");
  const auto refused = c.Get("/metrics");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->get_header_value("WWW-Authenticate"), "Bearer realm=\"spotstream\"");
  EXPECT_TRUE(nlohmann::json::parse(refused->body).contains("error"));
  EXPECT_EQ(refused->body.find("s3cr3t"), std::string::npos);
  EXPECT_EQ(status("/metrics", "Bearer s3cr3t-t0ken"), 200);
  EXPECT_EQ(status("/metrics", "bearer s3cr3t-t0ken"), 200);
  const auto eval = c.Post("/api/v1/evaluate", R"({"instance_type":"c5.large","availability_zone":"us-east-1a"})",
                           "application/json");
  ASSERT_TRUE(eval);
  EXPECT_EQ(eval->status, 401);
  EXPECT_EQ(status("/health", nullptr), 200);
  EXPECT_EQ(status("/ready", nullptr), 200);
  server.stop();
  EXPECT_EQ(cfg.describe().find("s3cr3t"), std::string::npos);
  EXPECT_NE(cfg.describe().find("rest.token = ***"), std::string::npos);
}
