#include "src/runtime/stop_signal.hpp"

#include <csignal>
#include <unistd.h>

namespace spotstream {

namespace {
std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int) {
  if (g_stop.exchange(true)) {
    static const char msg[] = "spotstream: second signal, exiting without draining\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(130);
  }
}
}  // namespace

const std::atomic<bool>& install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return g_stop;
}

}  // namespace spotstream
