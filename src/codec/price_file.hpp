#pragma once
//! Price history from files: AWS `describe-spot-price-history` responses (as the CLI writes them)
//! or JSON lines of canonical ticks / AWS items, one per line. For backtests, demos and training.
#include <string>
#include <vector>

#include "src/codec/event_decoder.hpp"
#include "src/core/event.hpp"

namespace spotstream {

//! A line of a JSON-lines file that did not decode: where it is, why, and its bytes.
struct BadLine {
  std::string file;
  std::size_t line = 0;
  DecodeError error;
  std::string text;
};

//! Reads every file, decodes it with EventDecoder and returns all ticks sorted by timestamp
//! (stable; ties broken by pool, so the order never depends on the order of the files' rows).
//! Throws std::runtime_error naming the file (and the line, for JSON lines) on a missing file,
//! an empty file or content that does not decode. With `bad`, a JSON-lines file's lines that do
//! not decode are collected there instead (a file whose first line is not JSON still throws: it
//! is no JSON-lines file).
std::vector<PriceTick> read_price_files(const std::vector<std::string>& paths, std::vector<BadLine>* bad = nullptr);

//! Sorts ticks by timestamp, ties by pool (az, instance type, product), stably: the order
//! read_price_files gives, whatever order they came in.
void sort_ticks(std::vector<PriceTick>& ticks);

//! One file's ticks in file order (what read_price_files does per file, without the sort).
std::vector<PriceTick> read_price_file(const std::string& path, std::vector<BadLine>* bad = nullptr);
//! The same over a file's contents; `path` only names it in errors.
std::vector<PriceTick> read_price_text(const std::string& path, std::string_view data, std::vector<BadLine>* bad = nullptr);

//! Signals or fleet events from a file: one JSON document (an EventBridge event as AWS documents it)
//! or JSON lines, in file order. Errors as read_price_file's (a missing or empty file, or a first
//! line that is not JSON, throws naming it; other bad lines go to `bad` when given).
std::vector<Event> read_event_file(const std::string& path, InputKind kind, std::vector<BadLine>* bad = nullptr);
//! The same over a file's contents; `path` only names it in errors.
std::vector<Event> read_event_text(const std::string& path, std::string_view data, InputKind kind,
                                   std::vector<BadLine>* bad = nullptr);

}  // namespace spotstream
