#pragma once
//! A thin RAII wrapper over libpq (not libpqxx: Debian's 6.4 has neither binary COPY nor pipeline
//! mode, see FACTS.md). One PgConnection is one server session; PgResult frees its PGresult.
//! Errors are thrown as PgError carrying the SQLSTATE, so callers can tell a lost connection
//! (retry) from a rejected statement (a bug or a schema mismatch: do not retry forever).
//! Not thread-safe: owned by one thread at a time.
#include <libpq-fe.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace spotstream {

struct PgError : std::runtime_error {
  PgError(const std::string& what, std::string sqlstate, bool connection_lost)
      : std::runtime_error(what), sqlstate(std::move(sqlstate)), connection_lost(connection_lost) {}
  std::string sqlstate;  //!< five-character SQLSTATE, empty when the server sent none
  //! True when the error is about reaching the server (connection refused or broken, server
  //! shutting down, too many clients): worth retrying on a new connection.
  bool connection_lost;
};

class PgResult {
 public:
  explicit PgResult(PGresult* r = nullptr) : r_(r) {}
  PGresult* get() const { return r_.get(); }
  ExecStatusType status() const { return PQresultStatus(r_.get()); }
  int rows() const { return PQntuples(r_.get()); }
  std::string_view value(int row, int col) const { return PQgetvalue(r_.get(), row, col); }
  bool is_null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  //! Rows affected by INSERT/UPDATE/DELETE/COPY (PQcmdTuples), 0 when not applicable.
  long long affected() const;

 private:
  struct Free {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  std::unique_ptr<PGresult, Free> r_;
};

class PgConnection {
 public:
  //! Connects with `conninfo` (a key=value string or a postgresql:// URI; empty: the PG*
  //! environment variables and libpq defaults). The connection uses UTF-8 and names itself
  //! `application_name`. Throws PgError (connection_lost = true) when the server cannot be reached.
  PgConnection(const std::string& conninfo, const std::string& application_name);

  //! Runs one or more statements with no parameters; throws PgError unless they succeed.
  PgResult exec(const std::string& sql);
  //! Runs one statement with text parameters (nullptr = SQL NULL).
  PgResult exec_params(const std::string& sql, std::initializer_list<const char*> params);
  //! COPY ... FROM STDIN with `data` sent in one stream (binary or text, as the statement says).
  //! Returns the rows copied.
  long long copy_in(const std::string& copy_sql, std::string_view data);

  //! "user@host:port/dbname": where we are connected, for logs. Never includes the password.
  std::string describe() const;
  bool ok() const { return PQstatus(conn_.get()) == CONNECTION_OK; }
  PGconn* raw() { return conn_.get(); }

 private:
  [[noreturn]] void fail(const std::string& what, PGresult* r);
  PgResult check(PGresult* r, ExecStatusType expected, const std::string& what);

  struct Finish {
    void operator()(PGconn* c) const { PQfinish(c); }
  };
  std::unique_ptr<PGconn, Finish> conn_;
};

//! True for SQLSTATEs that mean "the server, not the statement": connection exceptions (08),
//! operator intervention such as shutdown (57P), insufficient resources (53), and
//! serialization failures / deadlocks (40001, 40P01). Exposed for tests.
bool pg_sqlstate_is_transient(std::string_view sqlstate);

}  // namespace spotstream
