#pragma once
// A small JSON Schema (draft 2020-12) checker for the subset schemas/ uses, so the schemas are
// tested without a validator package. Unsupported keywords throw: a schema cannot silently use
// something this checker ignores.
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace spotstream::testing {

class MiniSchema {
 public:
  using json = nlohmann::json;

  explicit MiniSchema(json root) : root_(std::move(root)) { check_keywords(root_); }

  static MiniSchema load(const std::filesystem::path& p) {
    std::ifstream in(p);
    if (!in) throw std::runtime_error("cannot open " + p.string());
    return MiniSchema(json::parse(in));
  }

  //! Problems found, empty when `instance` is valid.
  std::vector<std::string> validate(const json& instance) const {
    std::vector<std::string> errors;
    check(root_, instance, "$", errors);
    return errors;
  }
  bool valid(const json& instance) const { return validate(instance).empty(); }

 private:
  static const std::set<std::string>& supported() {
    static const std::set<std::string> k = {
        // validation
        "type", "enum", "const", "required", "properties", "items", "minItems", "maxItems", "pattern", "minLength",
        "minimum", "maximum",
        "exclusiveMinimum", "oneOf", "anyOf", "allOf", "not", "$ref",
        // annotations and structure, no effect on validation
        "$schema", "$id", "$defs", "title", "description", "$comment"};
    return k;
  }

  // Walks every subschema and rejects keywords outside the subset.
  static void check_keywords(const json& s) {
    if (!s.is_object()) throw std::runtime_error("schema is not an object: " + s.dump());
    for (const auto& [k, v] : s.items()) {
      if (!supported().count(k)) throw std::runtime_error("unsupported schema keyword: " + k);
      if (k == "properties" || k == "$defs")
        for (const auto& [name, sub] : v.items()) check_keywords(sub);
      else if (k == "items" || k == "not")
        check_keywords(v);
      else if (k == "oneOf" || k == "anyOf" || k == "allOf")
        for (const auto& sub : v) check_keywords(sub);
    }
  }

  // Compiled once per pattern: the price-history files alone hold 10,822 items.
  const std::regex& regex(const std::string& pattern) const {
    auto it = regexes_.find(pattern);
    if (it == regexes_.end()) it = regexes_.emplace(pattern, std::regex(pattern)).first;
    return it->second;
  }

  const json& resolve(const std::string& ref) const {
    if (ref.rfind("#/", 0) != 0) throw std::runtime_error("only local $ref supported: " + ref);
    return root_.at(json::json_pointer(ref.substr(1)));
  }

  static bool has_type(const json& inst, const std::string& t) {
    if (t == "object") return inst.is_object();
    if (t == "array") return inst.is_array();
    if (t == "string") return inst.is_string();
    if (t == "boolean") return inst.is_boolean();
    if (t == "null") return inst.is_null();
    if (t == "number") return inst.is_number();
    if (t == "integer")
      return inst.is_number_integer() ||
             (inst.is_number_float() && std::trunc(inst.get<double>()) == inst.get<double>());
    throw std::runtime_error("unknown type " + t);
  }

  void check(const json& s, const json& inst, const std::string& path, std::vector<std::string>& errors) const {
    auto fail = [&](const std::string& what) { errors.push_back(path + ": " + what); };
    if (s.contains("$ref")) check(resolve(s["$ref"]), inst, path, errors);
    if (s.contains("type")) {
      bool ok = false;
      if (s["type"].is_array()) {
        for (const auto& t : s["type"]) ok = ok || has_type(inst, t);
      } else {
        ok = has_type(inst, s["type"]);
      }
      if (!ok) fail("type is not " + s["type"].dump());
    }
    if (s.contains("enum")) {
      bool found = false;
      for (const auto& e : s["enum"]) found = found || e == inst;
      if (!found) fail(inst.dump() + " not in " + s["enum"].dump());
    }
    if (s.contains("const") && s["const"] != inst) fail(inst.dump() + " is not " + s["const"].dump());
    if (inst.is_object()) {
      if (s.contains("required"))
        for (const auto& r : s["required"])
          if (!inst.contains(r.get<std::string>())) fail("missing required " + r.get<std::string>());
      if (s.contains("properties"))
        for (const auto& [name, sub] : s["properties"].items())
          if (inst.contains(name)) check(sub, inst[name], path + "." + name, errors);
    }
    if (inst.is_array() && s.contains("minItems") && inst.size() < s["minItems"].get<std::size_t>())
      errors.push_back(path + ": fewer than " + s["minItems"].dump() + " items");
    if (inst.is_array() && s.contains("maxItems") && inst.size() > s["maxItems"].get<std::size_t>())
      errors.push_back(path + ": more than " + s["maxItems"].dump() + " items");
    if (inst.is_array() && s.contains("items"))
      for (std::size_t i = 0; i < inst.size(); ++i) check(s["items"], inst[i], path + "[" + std::to_string(i) + "]", errors);
    if (inst.is_string()) {
      const auto str = inst.get<std::string>();
      if (s.contains("pattern") && !std::regex_search(str, regex(s["pattern"].get<std::string>())))
        fail(inst.dump() + " does not match " + s["pattern"].get<std::string>());
      // Length in code points, as JSON Schema counts it.
      if (s.contains("minLength")) {
        std::size_t n = 0;
        for (unsigned char c : str) n += (c & 0xC0) != 0x80;
        if (n < s["minLength"].get<std::size_t>()) fail("shorter than " + s["minLength"].dump());
      }
    }
    if (inst.is_number()) {
      const double v = inst.get<double>();
      if (s.contains("minimum") && v < s["minimum"].get<double>()) fail(inst.dump() + " < minimum");
      if (s.contains("maximum") && v > s["maximum"].get<double>()) fail(inst.dump() + " > maximum");
      if (s.contains("exclusiveMinimum") && v <= s["exclusiveMinimum"].get<double>()) fail(inst.dump() + " <= exclusiveMinimum");
    }
    auto count_valid = [&](const json& list) {
      int n = 0;
      for (const auto& sub : list) {
        std::vector<std::string> scratch;
        check(sub, inst, path, scratch);
        n += scratch.empty();
      }
      return n;
    };
    if (s.contains("oneOf")) {
      const int n = count_valid(s["oneOf"]);
      if (n != 1) fail("matches " + std::to_string(n) + " of oneOf, not exactly 1");
    }
    if (s.contains("anyOf") && count_valid(s["anyOf"]) == 0) fail("matches none of anyOf");
    if (s.contains("allOf"))
      for (const auto& sub : s["allOf"]) check(sub, inst, path, errors);
    if (s.contains("not")) {
      std::vector<std::string> scratch;
      check(s["not"], inst, path, scratch);
      if (scratch.empty()) fail("matches a schema under not");
    }
  }

  json root_;
  mutable std::map<std::string, std::regex> regexes_;
};

}  // namespace spotstream::testing
