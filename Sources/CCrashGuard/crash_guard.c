// On a fatal signal: the terminal and stderr given back, then the signal goes on.
//
// Only async-signal-safe calls in the handler (write, read, lseek, dup2, tcsetattr, sigaction,
// raise); everything it needs is copied into static storage when armed.
#include "crash_guard.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

enum { undo_capacity = 256 };

static const int guarded_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGABRT };
enum { guarded_count = sizeof guarded_signals / sizeof guarded_signals[0] };

/// The actions the signals had before ours, to hand each signal on to.
static struct sigaction previous[guarded_count];
static atomic_int installed;

static atomic_int terminal_armed;
static int terminal_descriptor = -1;
static struct termios terminal_mode;
static unsigned char undo_bytes[undo_capacity];
static size_t undo_count;

static atomic_int stderr_armed;
static int held_descriptor = -1;
static int original_descriptor = -1;

static void write_all(int descriptor, const unsigned char *bytes, size_t count) {
    while (count > 0) {
        ssize_t written = write(descriptor, bytes, count);
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) return;
        bytes += written;
        count -= (size_t)written;
    }
}

static int slot_of(int signal_number) {
    for (int index = 0; index < guarded_count; index++)
        if (guarded_signals[index] == signal_number) return index;
    return -1;
}

static void on_fatal_signal(int signal_number, siginfo_t *info, void *context) {
    (void)context;
    int saved_errno = errno;
    // Each part once, whichever thread gets here first.
    if (atomic_exchange(&terminal_armed, 0)) {
        write_all(terminal_descriptor, undo_bytes, undo_count);
        tcsetattr(terminal_descriptor, TCSANOW, &terminal_mode);
    }
    if (atomic_exchange(&stderr_armed, 0)) {
        dup2(original_descriptor, STDERR_FILENO);
        static unsigned char buffer[4096];
        if (lseek(held_descriptor, 0, SEEK_SET) == 0) {
            for (;;) {
                ssize_t count = read(held_descriptor, buffer, sizeof buffer);
                if (count < 0 && errno == EINTR) continue;
                if (count <= 0) break;
                write_all(STDERR_FILENO, buffer, (size_t)count);
            }
        }
    }
    int slot = slot_of(signal_number);
    if (slot >= 0) sigaction(signal_number, &previous[slot], 0);
    // Sent (kill, raise, abort), or a breakpoint trap, whose return would run on past it: sent
    // again, to be taken when this returns. A fault returns, and its instruction runs again,
    // under the previous action.
    if (info == 0 || info->si_code <= 0 || signal_number == SIGTRAP) raise(signal_number);
    errno = saved_errno;
}

static void install_once(void) {
    int expected = 0;
    if (!atomic_compare_exchange_strong(&installed, &expected, 1)) return;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_fatal_signal;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    for (int index = 0; index < guarded_count; index++)
        sigaction(guarded_signals[index], &action, &previous[index]);
}

void lm_crash_guard_terminal(int descriptor, const struct termios *mode, const unsigned char *undo, size_t count) {
    atomic_store(&terminal_armed, 0);
    terminal_descriptor = descriptor;
    terminal_mode = *mode;
    undo_count = count < undo_capacity ? count : undo_capacity;
    memcpy(undo_bytes, undo, undo_count);
    install_once();
    atomic_store(&terminal_armed, 1);
}

void lm_crash_guard_terminal_off(void) { atomic_store(&terminal_armed, 0); }

void lm_crash_guard_stderr(int held, int original) {
    atomic_store(&stderr_armed, 0);
    held_descriptor = held;
    original_descriptor = original;
    install_once();
    atomic_store(&stderr_armed, 1);
}

void lm_crash_guard_stderr_off(void) { atomic_store(&stderr_armed, 0); }
