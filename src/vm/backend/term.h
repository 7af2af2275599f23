/* The console back end: guest output to stdout; stdin to the UART. On a
 * terminal, raw mode, with Ctrl-A x to quit (Ctrl-A Ctrl-A sends Ctrl-A);
 * a pipe or file on stdin works too (scripted use; EOF leaves the guest
 * running). */
#ifndef CELLA_VM_BACKEND_TERM_H
#define CELLA_VM_BACKEND_TERM_H

#include <stddef.h>
#include <stdint.h>

struct err;
struct machine;
struct uart;
struct term;

/* Put the terminal in raw mode (if stdin is one) and start the input
 * thread feeding u. */
struct term *term_open(struct machine *m, struct uart *u, struct err *e);
/* Stop the input thread and restore the terminal. NULL is fine. */
void term_close(struct term *t);
/* Write guest output to stdout (any thread; whole writes, serialized).
 * Has the uart_tx_fn shape: opaque is the struct term. */
void term_write(void *term, const uint8_t *buf, size_t len);

#endif
