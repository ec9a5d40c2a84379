#pragma once
//! The history tables (schemas/sql/) as the sink writes them: which item goes to which table, its
//! deterministic id, and its row in the table's binary COPY stream. Column lists here and in the
//! migrations must agree; tests/unit/pg_history_test.cpp checks them against a real server.
//! A plain value type; the PostgreSQL sink thread owns its encoder.
#include <array>
#include <cstdint>
#include <string>

#include "src/runtime/history_sink.hpp"
#include "src/storage/copy_binary.hpp"

namespace spotstream {

enum class HistoryTable : std::uint8_t { PriceTicks, RiskScores, Decisions, Signals, DeadLetters };
inline constexpr std::size_t kHistoryTables = 5;

struct HistoryTableSpec {
  const char* name;        //!< e.g. "price_ticks"
  const char* columns;     //!< column list in COPY order
  const char* conflict;    //!< the unique key ON CONFLICT refers to
};
const HistoryTableSpec& history_table(HistoryTable t);

//! FNV-1a 64 of (pool, event time, price bits), as a signed bigint: one id per distinct tick.
std::int64_t price_tick_id(const PriceTick& t);
//! FNV-1a 64 of (kind, action, instance, event time, action time).
std::int64_t signal_id(const Signal& s);

//! Appends items to one binary COPY stream per table.
class HistoryEncoder {
 public:
  //! Encodes one item into its table's stream. Returns false with `error` set when an output
  //! record cannot be read back (it is then not stored; the caller counts and logs it).
  bool add(const HistoryItem& item, std::string& error);
  CopyBinaryWriter& stream(HistoryTable t) { return streams_[static_cast<std::size_t>(t)]; }
  std::size_t rows() const;
  void clear();

 private:
  void add_tick(const PriceTick& t);
  void add_signal(const Signal& s);
  bool add_output(const Output& o, std::string& error);
  std::array<CopyBinaryWriter, kHistoryTables> streams_;
};

}  // namespace spotstream
