// ncursesw: the wide-character curses library (block characters need it).
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <ncursesw/curses.h>

// Swift cannot import curses' function-like macros; these wrap the ones we use.

/// getmaxyx(win, y, x) is a macro that assigns to its arguments.
static inline void lm_getmaxyx(WINDOW *win, int *rows, int *cols) {
    int y, x;
    getmaxyx(win, y, x);
    *rows = y;
    *cols = x;
}

/// The globals stdscr and COLORS, read through functions (Swift 6 will not touch mutable C globals).
static inline WINDOW *lm_stdscr(void) { return stdscr; }
static inline int lm_colors(void) { return COLORS; }

/// A terminfo string capability, or NULL when the terminal lacks it (tigetstr's -1 and 0 alike).
static inline const char *lm_tigetstr(const char *name) {
    char *value = tigetstr(name);
    return (value == (char *)-1) ? 0 : value;
}

/// tiparm is variadic, which Swift cannot call: one- and two-parameter forms.
static inline const char *lm_tiparm1(const char *capability, int first) {
    return tiparm(capability, first);
}
static inline const char *lm_tiparm2(const char *capability, int first, int second) {
    return tiparm(capability, first, second);
}

/// term.h declares setupterm, with macros by the hundred; this is the one declaration we need.
extern int setupterm(const char *term, int filedes, int *errret);

/// What terminfo says of $TERM for the terminal on `descriptor`, before initscr, which prints
/// its own message and exits on a terminal it cannot find: 1 known (its capabilities can then be
/// read with lm_tigetstr), 0 not in the database (or TERM unset), -1 no database.
static inline int lm_terminal_status(int descriptor) {
    int status = 0;
    if (setupterm(0, descriptor, &status) != OK) return status;
    return 1;
}
