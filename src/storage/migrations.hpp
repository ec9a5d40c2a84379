#pragma once
//! Versioned DDL migrations: schemas/sql/V<NNN>__<name>.sql, compiled into the binary (CMake
//! generates the table), applied in version order at start-up, each in its own transaction and
//! recorded in spotstream_schema_migrations with a checksum. Idempotent: applied versions are
//! skipped; an applied migration whose text changed since is an error (migrations are never
//! edited once released). A session advisory lock serialises concurrent instances.
//! Called from whichever thread owns the connection.
#include <string>
#include <vector>

namespace spotstream {

class PgConnection;

struct Migration {
  int version = 0;
  std::string name;  //!< file name, e.g. V001__history.sql
  std::string sql;
};

//! The migrations compiled into this binary, in version order.
const std::vector<Migration>& embedded_migrations();

//! Applies what is missing; returns how many were applied. Throws PgError on a database error and
//! std::runtime_error when an applied migration's checksum differs or versions repeat.
int apply_migrations(PgConnection& conn, const std::vector<Migration>& migrations);

}  // namespace spotstream
