#pragma once
//! SIGINT/SIGTERM handling: the first signal asks for a clean stop (drain, deliver, commit, exit 0);
//! a second one exits at once with status 130, for when a broker is gone and draining cannot end.
#include <atomic>

namespace spotstream {

//! Installs the handlers (idempotent) and returns the flag they set.
const std::atomic<bool>& install_stop_handlers();

}  // namespace spotstream
