#pragma once
//! Price history from files: AWS `describe-spot-price-history` responses (as the CLI writes them)
//! or JSON lines of canonical ticks / AWS items, one per line. For backtests, demos and training.
#include <string>
#include <vector>

#include "src/core/event.hpp"

namespace spotstream {

//! Reads every file, decodes it with EventDecoder and returns all ticks sorted by timestamp
//! (stable; ties broken by pool, so the order never depends on the order of the files' rows).
//! Throws std::runtime_error naming the file (and the line, for JSON lines) on a missing file,
//! an empty file or content that does not decode.
std::vector<PriceTick> read_price_files(const std::vector<std::string>& paths);

//! One file's ticks in file order (what read_price_files does per file, without the sort).
std::vector<PriceTick> read_price_file(const std::string& path);

}  // namespace spotstream
