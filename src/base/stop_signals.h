#pragma once

// SIGINT and SIGTERM as requests to stop, for the long-running commands: blocked in the calling
// thread before it starts any other (threads inherit the mask), so they are only ever taken by
// sigwait()/sigtimedwait() on the returned set, never by a random thread's default handler.

#include <signal.h>

namespace es {

/// Blocks SIGINT and SIGTERM in the calling thread; returns the set to wait on.
sigset_t block_stop_signals();

}  // namespace es
