// Ctrl-C and termination signals for the interactive shell. SIGINT cancels
// what runs (the line being typed, a read) and never ends the session;
// SIGTERM and SIGHUP end it the normal way, so that it cleans up (the demo
// removes its database). The handlers only set flags; the line editor and
// the reads look at them.
#ifndef HINDSIGHT_TOOLS_SHELL_INTERRUPT_H_
#define HINDSIGHT_TOOLS_SHELL_INTERRUPT_H_

#include <atomic>

namespace hindsight::tools {

// Installs the handlers (without SA_RESTART, so a blocking read returns
// EINTR). Until then the signals keep their default actions.
void InstallInterruptHandlers();

// Set by SIGINT, SIGTERM and SIGHUP; cleared by TakeInterrupt. Statements
// poll it to stop early.
const std::atomic<bool>* InterruptFlag();

// True once if an interrupt arrived since the last call.
bool TakeInterrupt();

// Sets the flag as Ctrl-C does, to stop the running statement (the pager
// its answer goes to has quit).
void Interrupt();

// True once SIGTERM or SIGHUP arrived.
bool TerminationRequested();

// True once if the terminal was resized since the last call.
bool TakeResize();

}  // namespace hindsight::tools

#endif  // HINDSIGHT_TOOLS_SHELL_INTERRUPT_H_
