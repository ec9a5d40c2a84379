#pragma once
//! A throwaway PostgreSQL server for tests and benchmarks: scripts/pg_temp.sh starts Debian's
//! server on a free loopback port with its cluster in a new temporary directory; the destructor
//! stops it and deletes the directory. stop()/start() simulate an outage (the data survives).
//! Not for production use. Owned by the test or benchmark that creates it.
#include <string>

namespace spotstream {

class TempPostgres {
 public:
  //! Throws std::runtime_error (with the script's output) when the server cannot be started.
  TempPostgres();
  ~TempPostgres();
  TempPostgres(const TempPostgres&) = delete;
  TempPostgres& operator=(const TempPostgres&) = delete;

  //! libpq key=value string for the cluster's `spotstream` database.
  const std::string& conninfo() const { return conninfo_; }
  int port() const { return port_; }
  void stop();   //!< fast shutdown; connections break
  void start();  //!< starts it again on the same port

 private:
  std::string dir_;
  std::string conninfo_;
  int port_ = 0;
};

}  // namespace spotstream
