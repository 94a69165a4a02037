// The parts of ncursesw that Swift cannot import as they are (macros, globals), as small
// inline functions. Only NetLabTerminal imports this module.
#ifndef NETLAB_CNCURSES_SHIM_H
#define NETLAB_CNCURSES_SHIM_H

#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <wchar.h>
#include <ncurses.h>
#include <sys/ioctl.h>
#include <unistd.h>

// Hidden by Glibc's Swift module.
int wcwidth(wchar_t c);

static inline WINDOW *netlab_stdscr(void) { return stdscr; }
static inline FILE *netlab_stdout(void) { return stdout; }
static inline FILE *netlab_stdin(void) { return stdin; }
static inline int netlab_colors(void) { return COLORS; }

static inline attr_t netlab_a_bold(void) { return A_BOLD; }
static inline attr_t netlab_a_reverse(void) { return A_REVERSE; }
static inline attr_t netlab_a_underline(void) { return A_UNDERLINE; }
static inline attr_t netlab_a_dim(void) { return A_DIM; }

static inline int netlab_key_f(int n) { return KEY_F(n); }

// Rows and columns of the terminal on `fd`, or 0 on failure.
static inline int netlab_window_size(int fd, int *rows, int *cols) {
    struct winsize size;
    if (ioctl(fd, TIOCGWINSZ, &size) != 0) return -1;
    *rows = size.ws_row;
    *cols = size.ws_col;
    return 0;
}

// One wide character with attributes and a colour pair, drawn at (y, x).
/* `text`: a spacing character and up to four combining marks, NUL-terminated. */
static inline int netlab_put_cell(int y, int x, const wchar_t *text, attr_t attrs, int pair) {
    cchar_t cell;
    if (setcchar(&cell, text, attrs, (short)pair, NULL) != OK) return ERR;
    return mvadd_wch(y, x, &cell);
}

/* Mouse reports on or off: left button presses and the wheel (buttons 4 and 5). With no click
   interval a press is reported at once, not held back to see whether a release follows. */
static inline void netlab_mouse(bool on) {
    mousemask(on ? (BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED) : 0, NULL);
    mouseinterval(0);
}

/* The pending mouse event: 1 left press or click, 4 wheel up, 5 wheel down, 0 anything else. */
static inline int netlab_get_mouse(int *x, int *y) {
    MEVENT event;
    if (getmouse(&event) != OK) return 0;
    *x = event.x;
    *y = event.y;
    if (event.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)) return 1;
    if (event.bstate & BUTTON4_PRESSED) return 4;
    if (event.bstate & BUTTON5_PRESSED) return 5;
    return 0;
}

/* Whether the terminal can move the cursor (TERM=dumb cannot: drawing would scramble). */
static inline bool netlab_can_address_cursor(void) {
    const char *cup = tigetstr("cup");
    return cup != NULL && cup != (char *)-1;
}

#endif
