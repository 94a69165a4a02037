// The parts of ncursesw that Swift cannot import as they are (macros, globals), as small
// inline functions. Only NetLabTerminal imports this module.
#ifndef NETLAB_CNCURSES_SHIM_H
#define NETLAB_CNCURSES_SHIM_H

#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <wchar.h>
#include <ncurses.h>
#include <signal.h>
#include <string.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>
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

// A pseudo-terminal pair for the backend's tests: the main side's descriptor, the other side's
// in *side (-1 and errno on failure). Declared here: Glibc's Swift module hides them.
int posix_openpt(int flags);
int grantpt(int fd);
int unlockpt(int fd);
char *ptsname(int fd);
static inline int netlab_open_pseudo_terminal(int *side) {
    int main_fd = posix_openpt(O_RDWR | O_NOCTTY);
    if (main_fd < 0) return -1;
    char *name = NULL;
    if (grantpt(main_fd) != 0 || unlockpt(main_fd) != 0 || (name = ptsname(main_fd)) == NULL) {
        close(main_fd);
        return -1;
    }
    *side = open(name, O_RDWR | O_NOCTTY);
    if (*side < 0) {
        close(main_fd);
        return -1;
    }
    return main_fd;
}

static inline int netlab_set_window_size(int fd, int rows, int cols) {
    struct winsize size = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
    return ioctl(fd, TIOCSWINSZ, &size);
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

// Putting the terminal back from a crash handler or a watchdog: only async-signal-safe calls
// (tcsetattr, write, sigaction, raise, _exit), on settings saved before curses started. The
// saved state lives in function-local statics (Swift emits the functions a module uses, not
// a header's variables); only Terminal.swift calls these, so there is one copy.
struct netlab_saved_terminal {
    struct termios settings;
    volatile sig_atomic_t saved;
    struct sigaction previous[65];
};

static inline struct netlab_saved_terminal *netlab_saved(void) {
    static struct netlab_saved_terminal state;
    return &state;
}

static inline void netlab_save_user_terminal(void) {
    if (tcgetattr(0, &netlab_saved()->settings) == 0) netlab_saved()->saved = 1;
}

// The user's tty settings, colours reset, mouse reporting and keypad mode off, normal
// screen, cursor shown.
static inline void netlab_restore_user_terminal(void) {
    static const char reset[] = "\033[0m\033[?1000l\033[?1002l\033[?1006l\033[?1l\033>\033[?1049l\033[?25h\r\n";
    if (netlab_saved()->saved) tcsetattr(0, TCSANOW, &netlab_saved()->settings);
    ssize_t ignored = write(1, reset, sizeof reset - 1);  // nothing to do if it fails
    (void)ignored;
}

static void netlab_crash_handler(int number) {
    netlab_restore_user_terminal();
    // Then the handler that was there before (Swift's backtracer, or the default: a core).
    sigaction(number, &netlab_saved()->previous[number], 0);
    raise(number);
    // That handler returned (a signal sent with kill, not a fault, lets it): the process must
    // still end, not go on drawing on a terminal it gave back.
    signal(number, SIG_DFL);
    raise(number);
    _exit(128 + number);
}

static inline void netlab_install_crash_restore(void) {
    static const int crashes[] = {SIGSEGV, SIGILL, SIGBUS, SIGFPE, SIGTRAP, SIGABRT};
    for (unsigned i = 0; i < sizeof crashes / sizeof crashes[0]; i++) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = netlab_crash_handler;
        sigemptyset(&action.sa_mask);
        sigaction(crashes[i], &action, &netlab_saved()->previous[crashes[i]]);
    }
}

static inline void netlab_restore_user_terminal_and_exit(void) {
    netlab_restore_user_terminal();
    _exit(0);
}

#endif
