// A message on an MQTT signal topic, "topic\0payload" (no NUL: the payload on a matching topic).
// Passed messages name their instance; refused ones carry a reason for the dead-letter record.
#include "fuzz/fuzz_target.hpp"
#include "fuzz/targets/check.hpp"
#include "src/mqtt/signal_topics.hpp"

using namespace spotstream;

SPOTSTREAM_FUZZ_TARGET(mqtt_payload) {
  static SignalTopics topics({"spot/signals/+/instance-action", "spot/signals/+/rebalance", "nodes/+/signal"},
                             DecodeLimits{});
  const auto [topic, payload] = fuzz::split_at_nul(data, "spot/signals/i-0123456789abcdef0/instance-action");
  const auto verdict = topics.check(topic, payload);
  if (verdict.ok) FUZZ_CHECK(!verdict.instance_id.empty());
  else FUZZ_CHECK(!verdict.error.reason.empty());
}
