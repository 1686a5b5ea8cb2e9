// What the console undoes when the process is about to die of a signal.
#ifndef LOOPMIND_CRASH_GUARD_H
#define LOOPMIND_CRASH_GUARD_H

#include <stddef.h>
#include <termios.h>

/// While armed, a fatal signal (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGABRT) first writes
/// `undo` (the sequences that leave the console's screen) to `descriptor` and gives it back
/// `mode` (the terminal's settings before curses changed them), then lets the signal go on to
/// whoever handled it before (Swift's crash reporter, or the default action). At most 256 bytes
/// of `undo` are kept.
void lm_crash_guard_terminal(int descriptor, const struct termios *mode, const unsigned char *undo, size_t count);
/// Disarms the terminal part (the terminal was restored the ordinary way).
void lm_crash_guard_terminal_off(void);

/// While armed, a fatal signal makes `original` stderr again and writes out what `held` holds
/// (after the terminal part), so the reason for the crash is not lost with the held lines.
void lm_crash_guard_stderr(int held, int original);
/// Disarms the stderr part.
void lm_crash_guard_stderr_off(void);

#endif
