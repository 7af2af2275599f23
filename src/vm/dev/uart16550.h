/* 16550A UART (ns16550a): transmit goes to a sink callback, receive comes
 * from the console back end through a FIFO; interrupt on a PLIC source. */
#ifndef CELLA_VM_DEV_UART16550_H
#define CELLA_VM_DEV_UART16550_H

#include <stddef.h>
#include <stdint.h>

#include "vm/devif.h"

struct bus;
struct err;
struct rec_in;
struct rec_out;
struct uart;

typedef void uart_tx_fn(void *opaque, const uint8_t *buf, size_t len);

struct uart *uart_new(struct irq_line irq, uart_tx_fn *tx, void *tx_opaque);
void uart_free(struct uart *u);
/* Add the UART's MMIO window at base (size bytes) to bus. */
void uart_attach(struct uart *u, struct bus *bus, uint64_t base,
                 uint64_t size);
/* Offer received bytes; returns how many were taken (0 when the receive
 * buffer is full: the caller retries later). Any thread. */
size_t uart_rx(struct uart *u, const uint8_t *buf, size_t len);

/* The UART's state record ("uart"): registers, the bytes received and not
 * yet read, the pending THRE interrupt and the line's level. Any thread.
 * uart_load changes nothing unless the whole record is good (else -1 with
 * e filled); then it drives the interrupt line to the loaded level. */
void uart_save(const struct uart *u, struct rec_out *o);
int uart_load(struct uart *u, struct rec_in *in, struct err *e);

#endif
