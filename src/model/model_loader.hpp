#pragma once
//! Model files: which kind of model to run, its parameters and its metadata. JSON:
//!
//!   {"spotstream_model": 1,                      format version
//!    "kind": "logistic" | "xgboost" | "heuristic",
//!    "name": "logistic-synth", "version": "2025-01-07.1",
//!    "features": ["price_position", ...],        inputs in order (model_features.hpp catalogue)
//!    "trained_until": "2025-01-07T00:00:00Z",    last event time of the training data
//!    "threshold": 0.31,                          decision threshold on crash_probability
//!    "labels": {"avoid_at": 0.31, "caution_at": 0.155},   optional; default threshold and half of it
//!    "metrics": {"test": {"auc": 0.81, ...}, ...},        optional; numbers, nested objects allowed
//!    "logistic": {"intercept": b, "coefficients": [...], "mean": [...], "scale": [...]},
//!    "xgboost": {"booster_file": "m.json"}  or  {"booster": { ...the saved booster inline... }}}
//!
//! A booster file path is relative to the model file's directory. Loading validates everything and
//! refuses, with a message naming the problem, a file that is not JSON, an unknown kind, a feature
//! the processor cannot produce, parameters that do not match the feature list, a booster that is
//! not a binary:logistic classifier over that many features, or a model whose probe prediction is
//! not a probability. Nothing half-loaded is ever returned.
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "src/model/risk_model.hpp"

namespace spotstream {

class ModelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

//! Loads and validates a model file. Throws ModelError.
std::shared_ptr<const RiskModel> load_model_file(const std::filesystem::path& path);
//! The same from a model file's text (a message on the models topic): a booster_file is resolved
//! against `base_dir`. `source` names where the text came from, for logs and ModelInfo::source.
std::shared_ptr<const RiskModel> load_model_text(std::string_view text, const std::filesystem::path& base_dir,
                                                 const std::string& source);

//! The built-in heuristic-v1: the model when none is configured.
std::shared_ptr<const RiskModel> builtin_model();

}  // namespace spotstream
