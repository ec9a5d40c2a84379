// The configuration as files and --set assignments give it: anything refused is a ConfigError
// (which the commands print and exit 2 on), never another exception or a crash.
#include <string>

#include "fuzz/fuzz_target.hpp"
#include "src/config/config.hpp"

using namespace spotstream;

SPOTSTREAM_FUZZ_TARGET(config_yaml) {
  Config cfg;
  try {
    cfg.load_yaml_text(std::string(data), "fuzz.yaml");
  } catch (const ConfigError&) {
  }
  cfg.describe();
}

// One `key=value` per line, as --set gives them.
SPOTSTREAM_FUZZ_TARGET(config_set) {
  Config cfg;
  std::size_t start = 0;
  while (start <= data.size()) {
    const auto end = std::min(data.find('\n', start), data.size());
    try {
      cfg.set_assignment(std::string(data.substr(start, end - start)));
    } catch (const ConfigError&) {
    }
    start = end + 1;
  }
  cfg.describe();
  cfg.kafka_properties();
}
