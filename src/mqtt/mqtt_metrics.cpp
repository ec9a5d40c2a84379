#include "src/mqtt/mqtt_metrics.hpp"

#include <nlohmann/json.hpp>

namespace spotstream {

void MqttMetrics::to_json(nlohmann::json& j) const {
  if (connects.get() == 0 && signals_in.get() == 0 && decisions_out.get() == 0 && buffered.get() == 0) return;
  j["mqtt"] = {{"signals_in", signals_in.get()},         {"signals_forwarded", signals_forwarded.get()},
               {"signals_dead", signals_dead.get()},     {"signals_failed", signals_failed.get()},
               {"decisions_out", decisions_out.get()},   {"decisions_dropped", decisions_dropped.get()},
               {"publish_errors", publish_errors.get()}, {"connects", connects.get()},
               {"disconnects", disconnects.get()},       {"buffered", buffered.get()}};
}

}  // namespace spotstream
