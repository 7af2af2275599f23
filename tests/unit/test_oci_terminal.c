/* Unit tests of the container's terminal: the console socket, the pty made
 * in a forked "container" and its master received over a socketpair, and
 * the proxy between our stdio and that master (stdin a pipe, then a pty of
 * the test's own in raw mode whose window size is followed). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "base/err.h"
#include "oci/terminal.h"

/* Read fd into buf (NUL-terminated) until it holds needle, EOF/EIO, or
 * 5 s pass. True when needle was seen. */
static bool read_until(int fd, char *buf, size_t cap, size_t *len,
                       const char *needle)
{
    for (;;) {
        buf[*len] = 0;
        if (strstr(buf, needle))
            return true;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 5000) <= 0 || *len + 1 >= cap)
            return false;
        ssize_t n = read(fd, buf + *len, cap - 1 - *len);
        if (n <= 0)
            return false;
        *len += (size_t)n;
    }
}

static int wait_exit(pid_t pid)
{
    int st;
    if (waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The "container": make the pty on sock, then check we have it as our
 * controlling terminal and say hello on it. */
static void hello_container(int sock)
{
    struct err e;
    if (terminal_setup(sock, 30, 100, &e) < 0) {
        fprintf(stderr, "terminal_setup: %s\n", e.msg);
        _exit(10);
    }
    int tty = open("/dev/tty", O_RDWR | O_NOCTTY);
    if (tty < 0 || tcgetsid(0) != getpid() || !ttyname(0))
        _exit(11);
    close(tty);
    if (write(1, "hello\n", 6) != 6)
        _exit(12);
    _exit(0);
}

static void test_setup_sends_master(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        alarm(10);
        close(sv[0]);
        hello_container(sv[1]);
    }
    close(sv[1]);
    struct err e = { 0 };
    int master = terminal_recv_master(sv[0], &e);
    close(sv[0]);
    assert_true(master >= 0);
    struct winsize ws;
    assert_int_equal(ioctl(master, TIOCGWINSZ, &ws), 0);
    assert_int_equal(ws.ws_row, 30);
    assert_int_equal(ws.ws_col, 100);
    char buf[256];
    size_t len = 0;
    assert_true(read_until(master, buf, sizeof buf, &len, "hello"));
    assert_int_equal(wait_exit(pid), 0);
    close(master);
}

static void test_recv_without_pty(void **state)
{
    (void)state;
    int sv[2];
    struct err e = { 0 };
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    assert_int_equal(write(sv[1], "x", 1), 1);
    assert_int_equal(terminal_recv_master(sv[0], &e), -1);
    assert_non_null(strstr(e.msg, "without a pty"));
    close(sv[1]);
    assert_int_equal(terminal_recv_master(sv[0], &e), -1);
    assert_non_null(strstr(e.msg, "closed"));
    close(sv[0]);
}

static void test_console_socket_connect(void **state)
{
    (void)state;
    char dir[] = "/tmp/cella-tty-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/console.sock", dir);
    struct err e = { 0 };
    assert_int_equal(console_socket_connect(path, &e), -1);
    assert_non_null(strstr(e.msg, path));

    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    strcpy(sa.sun_path, path);
    int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int bound = bind(l, (struct sockaddr *)&sa, sizeof sa) == 0 &&
                listen(l, 1) == 0;
    int fd = bound ? console_socket_connect(path, &e) : -1;
    int acc = fd >= 0 ? accept(l, NULL, NULL) : -1;
    close(acc);
    close(fd);
    close(l);
    unlink(path);
    rmdir(dir);
    assert_true(bound);
    assert_true(fd >= 0);
    assert_true(acc >= 0);
}

/* The container behind the proxy tests, one per test. */
typedef void (*container_fn)(void);

/* Read a line, then answer after the proxy has surely seen stdin's EOF. */
static void echo_container(void)
{
    char line[64];
    if (!fgets(line, sizeof line, stdin))
        _exit(20);
    usleep(200 * 1000);
    printf("got:%s", line);
    fflush(stdout);
    _exit(0);
}

/* Read a line, report the window size, then wait for it to become 40x120. */
static void winsize_container(void)
{
    char line[64];
    if (!fgets(line, sizeof line, stdin))
        _exit(20);
    struct winsize ws;
    ioctl(0, TIOCGWINSZ, &ws);
    printf("size:%ux%u\n", ws.ws_row, ws.ws_col);
    fflush(stdout);
    for (int i = 0; i < 500; i++) {
        ioctl(0, TIOCGWINSZ, &ws);
        if (ws.ws_row == 40 && ws.ws_col == 120) {
            printf("size2:%ux%u\n", ws.ws_row, ws.ws_col);
            fflush(stdout);
            _exit(0);
        }
        usleep(10 * 1000);
    }
    _exit(21);
}

/* Fork the runtime side: stdin in_fd, stdout out_fd, a container running
 * fn on a pty, and terminal_proxy between them. It exits 0 when the proxy
 * returned 0 and the container exited 0. */
static pid_t start_proxy(int in_fd, int out_fd, container_fn fn)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    alarm(10);
    if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0)
        _exit(30);
    close_range(3, ~0U, 0);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        _exit(31);
    pid_t c = fork();
    if (c == 0) {
        struct err e;
        close(sv[0]);
        if (terminal_setup(sv[1], 0, 0, &e) < 0)
            _exit(32);
        fn();
    }
    close(sv[1]);
    struct err e;
    int master = terminal_recv_master(sv[0], &e);
    if (master < 0)
        _exit(33);
    int rc = terminal_proxy(master, &e);
    if (rc < 0)
        fprintf(stderr, "terminal_proxy: %s\n", e.msg);
    _exit(rc == 0 && wait_exit(c) == 0 ? 0 : 34);
}

static void test_proxy_pipes(void **state)
{
    (void)state;
    int in[2], out[2];
    assert_int_equal(pipe2(in, O_CLOEXEC), 0);
    assert_int_equal(pipe2(out, O_CLOEXEC), 0);
    pid_t pid = start_proxy(in[0], out[1], echo_container);
    assert_true(pid > 0);
    close(in[0]);
    close(out[1]);
    assert_int_equal(write(in[1], "ping\n", 5), 5);
    close(in[1]);
    char buf[512];
    size_t len = 0;
    bool got = read_until(out[0], buf, sizeof buf, &len, "got:ping");
    int rc = wait_exit(pid);
    close(out[0]);
    assert_true(got);
    assert_int_equal(rc, 0);
}

static void test_proxy_tty(void **state)
{
    (void)state;
    int om = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    assert_true(om >= 0);
    assert_int_equal(grantpt(om), 0);
    assert_int_equal(unlockpt(om), 0);
    int os = open(ptsname(om), O_RDWR | O_NOCTTY | O_CLOEXEC);
    assert_true(os >= 0);
    struct winsize ws = { .ws_row = 30, .ws_col = 100 };
    assert_int_equal(ioctl(os, TIOCSWINSZ, &ws), 0);
    int out[2];
    assert_int_equal(pipe2(out, O_CLOEXEC), 0);

    pid_t pid = start_proxy(os, out[1], winsize_container);
    assert_true(pid > 0);
    close(out[1]);
    assert_int_equal(write(om, "go\n", 3), 3);
    char buf[512];
    size_t len = 0;
    bool sized = read_until(out[0], buf, sizeof buf, &len, "size:30x100");
    struct termios t;
    assert_int_equal(tcgetattr(os, &t), 0);
    bool raw = !(t.c_lflag & (ICANON | ECHO));
    ws = (struct winsize){ .ws_row = 40, .ws_col = 120 };
    assert_int_equal(ioctl(os, TIOCSWINSZ, &ws), 0);
    kill(pid, SIGWINCH);
    bool resized = read_until(out[0], buf, sizeof buf, &len, "size2:40x120");
    int rc = wait_exit(pid);
    close(out[0]);
    assert_int_equal(tcgetattr(os, &t), 0);
    close(os);
    close(om);
    assert_true(sized);
    assert_true(raw);
    assert_true(resized);
    assert_int_equal(rc, 0);
    assert_true(t.c_lflag & ICANON);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setup_sends_master),
        cmocka_unit_test(test_recv_without_pty),
        cmocka_unit_test(test_console_socket_connect),
        cmocka_unit_test(test_proxy_pipes),
        cmocka_unit_test(test_proxy_tty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
