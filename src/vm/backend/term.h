/* The console back end: guest output to stdout; stdin to the device the
 * machine chooses (the UART or the virtio console). On a terminal, raw
 * mode, with Ctrl-A x to quit (Ctrl-A Ctrl-A sends Ctrl-A); a pipe or file
 * on stdin works too (scripted use; EOF leaves the guest running). */
#ifndef CELLA_VM_BACKEND_TERM_H
#define CELLA_VM_BACKEND_TERM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "vm/devif.h"

struct err;
struct term;

/* Where input goes: returns how many of the bytes it took (0 when its
 * buffer is full; the rest is offered again a little later). Called on
 * the input thread. */
typedef size_t term_input_fn(void *opaque, const uint8_t *buf, size_t len);

/* Put the terminal in raw mode (if stdin is one) and start the input
 * thread feeding input(opaque, ...); Ctrl-A x ends the machine through
 * power. */
struct term *term_open(struct vm_power power, term_input_fn *input,
                       void *opaque, struct err *e);
/* Stop the input thread and restore the terminal. NULL is fine. */
void term_close(struct term *t);
/* Write guest output to stdout (any thread; whole writes, serialized).
 * Has the uart_tx_fn shape: opaque is the struct term. */
void term_write(void *term, const uint8_t *buf, size_t len);
/* The same for output in n segments, written together. */
void term_writev(struct term *t, const struct iovec *iov, unsigned n);

#endif
