#include "shell/interrupt.h"

#include <csignal>

namespace hindsight::tools {
namespace {

std::atomic<bool> g_interrupted{false};
std::atomic<bool> g_terminate{false};
std::atomic<bool> g_resized{false};

void OnSignal(int signo) {
  if (signo == SIGWINCH) {
    g_resized.store(true);
    return;
  }
  if (signo != SIGINT) g_terminate.store(true);
  g_interrupted.store(true);
}

}  // namespace

void InstallInterruptHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocked read returns EINTR
  for (int signo : {SIGINT, SIGTERM, SIGHUP, SIGWINCH}) sigaction(signo, &sa, nullptr);
}

const std::atomic<bool>* InterruptFlag() { return &g_interrupted; }

bool TakeInterrupt() { return g_interrupted.exchange(false); }

void Interrupt() { g_interrupted.store(true); }

bool TerminationRequested() { return g_terminate.load(); }

bool TakeResize() { return g_resized.exchange(false); }

}  // namespace hindsight::tools
