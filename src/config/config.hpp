#pragma once
//! Typed configuration: every property's name, type, default, bounds and description live in one
//! table (config.cpp), as Redpanda's properties do. Values come from the defaults, then a YAML
//! file, then the environment (SPOTSTREAM_DECISIONS_SAFETY_GATE=0.8 for decisions.safety_gate),
//! then `--set key=value` and the command-line flags: each later source wins. Keys under `kafka.` are not ours: they are passed verbatim to
//! librdkafka (`kafka.security.protocol: SSL` -> `security.protocol=SSL`), so TLS, SASL and every
//! tuning knob work without code changes.
//! Owned by the thread that builds it; copied into each component at construction.
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace spotstream {

struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class PropertyType { Int, Double, Bool, String };

struct PropertySpec {
  const char* name;
  PropertyType type;
  const char* default_value;
  double min;  //!< bounds for Int/Double (inclusive); ignored otherwise
  double max;
  const char* description;
};

class Config {
 public:
  Config();  //!< all defaults

  //! Every property spotstream knows, in the order `spotstream config` prints them.
  static const std::vector<PropertySpec>& specs();

  //! Sets one value, validated against its type and bounds. `kafka.*` keys are accepted as-is.
  //! Throws ConfigError naming the key, the value and what was expected.
  void set(const std::string& key, const std::string& value);
  //! Loads a YAML file; nested maps flatten to dotted keys (runtime: {shards: 4} -> runtime.shards).
  void load_yaml_file(const std::string& path);
  //! The same from a file's text; `origin` names it in errors.
  void load_yaml_text(const std::string& text, const std::string& origin);
  //! Parses "key=value" (the --set syntax).
  void set_assignment(const std::string& assignment);
  //! The environment variable that sets `key`: SPOTSTREAM_ and the key in upper case with dots as
  //! underscores (decisions.safety_gate -> SPOTSTREAM_DECISIONS_SAFETY_GATE).
  static std::string env_name(const std::string& key);
  //! Applies every SPOTSTREAM_* variable of `env` (name -> value) that names a property. A
  //! SPOTSTREAM_KAFKA_* variable sets the librdkafka property with its underscores as dots
  //! (SPOTSTREAM_KAFKA_SECURITY_PROTOCOL -> kafka.security.protocol). Returns the SPOTSTREAM_*
  //! names that match nothing (the caller warns: a typo must not pass silently).
  std::vector<std::string> load_environment(const std::map<std::string, std::string>& env);
  //! The process's environment as load_environment() takes it.
  static std::map<std::string, std::string> process_environment();
  //! A YAML configuration file holding every default, each property commented with its
  //! description, type and bounds (`spotstream config --defaults`); it loads back as the defaults.
  static std::string defaults_yaml();

  std::int64_t get_int(const std::string& key) const;
  double get_double(const std::string& key) const;
  bool get_bool(const std::string& key) const;
  const std::string& get_string(const std::string& key) const;

  //! librdkafka properties: the `kafka.` prefix stripped, values verbatim.
  std::map<std::string, std::string> kafka_properties() const;
  //! True when a Kafka cluster was configured (kafka.bootstrap.servers set).
  bool has_brokers() const;

  //! Human-readable table of all properties with their current values (secrets masked).
  std::string describe() const;

 private:
  const PropertySpec& spec(const std::string& key) const;
  std::map<std::string, std::string> values_;
  std::map<std::string, std::string> kafka_;
};

}  // namespace spotstream
