// The body of POST /api/v1/evaluate, as the admin server hands it over: every answer is 200, 400
// or 404 with a JSON object body.
#include <memory>
#include <nlohmann/json.hpp>

#include "fuzz/fuzz_target.hpp"
#include "fuzz/targets/check.hpp"
#include "src/rest/evaluate_server.hpp"

using namespace spotstream;

SPOTSTREAM_FUZZ_TARGET(rest_body) {
  static const Config cfg;
  static const EvaluateServer server(std::make_shared<DecisionServices>(cfg));
  const auto reply = server.evaluate(data);
  FUZZ_CHECK(reply.status == 200 || reply.status == 400 || reply.status == 404);
  FUZZ_CHECK(nlohmann::json::parse(reply.body, nullptr, false).is_object());
}
