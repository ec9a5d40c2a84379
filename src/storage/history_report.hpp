#pragma once
//! A few summary rows queried back from the PostgreSQL history (for `spotstream demo` and people
//! checking a run): rows per table, decisions per kind per day, the riskiest pools by their latest
//! score. The queries are docs/operations.md's example queries. Called from any thread; opens its own
//! connection. Throws PgError when the database cannot be reached.
#include <string>

namespace spotstream {

std::string history_report(const std::string& conninfo);

}  // namespace spotstream
