/* 16550A UART (ns16550a) register model: what Linux's 8250 driver, its
 * earlycon and OpenSBI use. Transmission is instant (THR is always empty
 * again by the time the guest looks), reception comes from the console
 * back end through a buffer, and the interrupt goes to a PLIC source. */
#include "vm/dev/uart16550.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/rec.h"
#include "vm/bus.h"

/* Register offsets (reg-shift 0, byte-wide). */
enum {
    REG_RBR_THR = 0,    /* DLL when LCR.DLAB */
    REG_IER = 1,        /* DLM when LCR.DLAB */
    REG_IIR_FCR = 2,
    REG_LCR = 3,
    REG_MCR = 4,
    REG_LSR = 5,
    REG_MSR = 6,
    REG_SCR = 7,
};

#define IER_ERBFI 0x01  /* received data available */
#define IER_ETBEI 0x02  /* transmitter holding register empty */
#define IER_MASK  0x0f

#define IIR_NONE  0x01
#define IIR_THRE  0x02
#define IIR_RDA   0x04
#define IIR_FIFO  0xc0  /* FIFOs enabled */

#define FCR_ENABLE   0x01
#define FCR_CLEAR_RX 0x02

#define LCR_DLAB  0x80

#define MCR_DTR   0x01
#define MCR_RTS   0x02
#define MCR_OUT1  0x04
#define MCR_OUT2  0x08
#define MCR_LOOP  0x10
#define MCR_MASK  0x1f

#define LSR_DR    0x01
#define LSR_THRE  0x20
#define LSR_TEMT  0x40

#define MSR_CTS   0x10
#define MSR_DSR   0x20
#define MSR_RI    0x40
#define MSR_DCD   0x80

/* The receive path: a hardware FIFO of FIFO_DEPTH bytes at the head of a
 * longer buffer that stands for bytes still on the line (the console back
 * end stops offering when it is full). So a FIFO reset drops only what a
 * real 16550 would hold, and type-ahead beyond it survives the driver's
 * start-up. */
#define FIFO_DEPTH 16
#define RX_BUF 4096

struct uart {
    struct irq_line irq;
    uart_tx_fn *tx;
    void *tx_opaque;

    pthread_mutex_t lock;
    uint8_t rx[RX_BUF];
    unsigned rx_head, rx_count;

    uint8_t ier, lcr, mcr, scr, dll, dlm;
    bool fifo_enabled;
    /* The THRE interrupt condition: set when THR becomes empty (at once
     * after every write, or when ETBEI is turned on), cleared by an IIR
     * read that reports it. */
    bool thre_pending;
    bool irq_level;
};

static uint8_t iir(const struct uart *u)
{
    uint8_t fifo = u->fifo_enabled ? IIR_FIFO : 0;
    if ((u->ier & IER_ERBFI) && u->rx_count)
        return fifo | IIR_RDA;
    if ((u->ier & IER_ETBEI) && u->thre_pending)
        return fifo | IIR_THRE;
    return fifo | IIR_NONE;
}

static void update_irq(struct uart *u)
{
    bool level = !(iir(u) & IIR_NONE);
    if (level != u->irq_level) {
        u->irq_level = level;
        irq_line_set(&u->irq, level);
    }
}

static void rx_push(struct uart *u, uint8_t c)
{
    if (u->rx_count == RX_BUF)
        return;
    u->rx[(u->rx_head + u->rx_count) % RX_BUF] = c;
    u->rx_count++;
}

static uint8_t rx_pop(struct uart *u)
{
    if (!u->rx_count)
        return 0;
    uint8_t c = u->rx[u->rx_head];
    u->rx_head = (u->rx_head + 1) % RX_BUF;
    u->rx_count--;
    return c;
}

/* Modem status: in loopback the outputs of MCR come back as inputs (the
 * 8250 driver's probe checks this); otherwise a cable with the other end
 * ready (DCD, DSR, CTS). The delta bits never set. */
static uint8_t msr(const struct uart *u)
{
    if (!(u->mcr & MCR_LOOP))
        return MSR_DCD | MSR_DSR | MSR_CTS;
    uint8_t v = 0;
    if (u->mcr & MCR_RTS)
        v |= MSR_CTS;
    if (u->mcr & MCR_DTR)
        v |= MSR_DSR;
    if (u->mcr & MCR_OUT1)
        v |= MSR_RI;
    if (u->mcr & MCR_OUT2)
        v |= MSR_DCD;
    return v;
}

/* Every register is one byte wide; a wider access touches the register at
 * its offset only. */
static uint64_t uart_read(void *opaque, uint64_t off, unsigned size)
{
    struct uart *u = opaque;
    uint8_t v = 0;
    (void)size;
    pthread_mutex_lock(&u->lock);
    bool dlab = u->lcr & LCR_DLAB;
    switch (off) {
    case REG_RBR_THR:
        v = dlab ? u->dll : rx_pop(u);
        break;
    case REG_IER:
        v = dlab ? u->dlm : u->ier;
        break;
    case REG_IIR_FCR:
        v = iir(u);
        if ((v & 0x0f) == IIR_THRE)
            u->thre_pending = false;
        break;
    case REG_LCR:
        v = u->lcr;
        break;
    case REG_MCR:
        v = u->mcr;
        break;
    case REG_LSR:
        v = LSR_THRE | LSR_TEMT | (u->rx_count ? LSR_DR : 0);
        break;
    case REG_MSR:
        v = msr(u);
        break;
    case REG_SCR:
        v = u->scr;
        break;
    }
    update_irq(u);
    pthread_mutex_unlock(&u->lock);
    return v;
}

static void uart_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct uart *u = opaque;
    uint8_t v = (uint8_t)val;
    (void)size;
    pthread_mutex_lock(&u->lock);
    bool dlab = u->lcr & LCR_DLAB;
    switch (off) {
    case REG_RBR_THR:
        if (dlab) {
            u->dll = v;
        } else {
            if (u->mcr & MCR_LOOP)
                rx_push(u, v);
            else if (u->tx)
                u->tx(u->tx_opaque, &v, 1);
            u->thre_pending = true;
        }
        break;
    case REG_IER:
        if (dlab) {
            u->dlm = v;
        } else {
            if ((v & IER_ETBEI) && !(u->ier & IER_ETBEI))
                u->thre_pending = true;
            u->ier = v & IER_MASK;
        }
        break;
    case REG_IIR_FCR:
        u->fifo_enabled = v & FCR_ENABLE;
        if (v & FCR_CLEAR_RX) {
            unsigned drop = u->rx_count < FIFO_DEPTH ? u->rx_count : FIFO_DEPTH;
            u->rx_head = (u->rx_head + drop) % RX_BUF;
            u->rx_count -= drop;
        }
        break;
    case REG_LCR:
        u->lcr = v;
        break;
    case REG_MCR:
        u->mcr = v & MCR_MASK;
        break;
    case REG_SCR:
        u->scr = v;
        break;
    }
    update_irq(u);
    pthread_mutex_unlock(&u->lock);
}

struct uart *uart_new(struct irq_line irq, uart_tx_fn *tx, void *tx_opaque)
{
    struct uart *u = calloc(1, sizeof *u);
    if (!u)
        return NULL;
    u->irq = irq;
    u->tx = tx;
    u->tx_opaque = tx_opaque;
    pthread_mutex_init(&u->lock, NULL);
    return u;
}

void uart_free(struct uart *u)
{
    if (!u)
        return;
    pthread_mutex_destroy(&u->lock);
    free(u);
}

void uart_attach(struct uart *u, struct bus *bus, uint64_t base,
                 uint64_t size)
{
    struct mmio_dev d = {
        .name = "uart",
        .base = base,
        .size = size,
        .read = uart_read,
        .write = uart_write,
        .opaque = u,
    };
    bus_add(bus, &d);
}

size_t uart_rx(struct uart *u, const uint8_t *buf, size_t len)
{
    pthread_mutex_lock(&u->lock);
    size_t n = RX_BUF - u->rx_count;
    if (n > len)
        n = len;
    for (size_t i = 0; i < n; i++)
        rx_push(u, buf[i]);
    update_irq(u);
    pthread_mutex_unlock(&u->lock);
    return n;
}

/* The state record, version 1:
 *
 *   ier lcr mcr scr dll dlm    u8 each
 *   fifo_enabled thre_pending  bool each
 *   irq_level                  bool: the line as last driven
 *   rx_count                   u32, at most RX_BUF
 *   rx                         rx_count bytes, the oldest first
 *
 * Only the registers' meaningful bits may be set, and irq_level must be
 * what the registers and the receive buffer make it. */
#define UART_REC_VERSION 1

void uart_save(const struct uart *cu, struct rec_out *o)
{
    /* The lock only: the state is read, not changed. */
    struct uart *u = (struct uart *)cu;
    pthread_mutex_lock(&u->lock);
    rec_begin(o, "uart", UART_REC_VERSION);
    rec_u8(o, u->ier);
    rec_u8(o, u->lcr);
    rec_u8(o, u->mcr);
    rec_u8(o, u->scr);
    rec_u8(o, u->dll);
    rec_u8(o, u->dlm);
    rec_bool(o, u->fifo_enabled);
    rec_bool(o, u->thre_pending);
    rec_bool(o, u->irq_level);
    rec_u32(o, u->rx_count);
    rec_ring(o, u->rx, RX_BUF, u->rx_head, u->rx_count);
    rec_end(o);
    pthread_mutex_unlock(&u->lock);
}

int uart_load(struct uart *u, struct rec_in *in, struct err *e)
{
    if (rec_open(in, "uart", UART_REC_VERSION, e) < 0)
        return -1;
    /* Read into a copy: the device changes only once all of it is good. */
    struct uart n = {0};
    n.ier = rec_get_u8(in);
    n.lcr = rec_get_u8(in);
    n.mcr = rec_get_u8(in);
    n.scr = rec_get_u8(in);
    n.dll = rec_get_u8(in);
    n.dlm = rec_get_u8(in);
    n.fifo_enabled = rec_get_bool(in);
    n.thre_pending = rec_get_bool(in);
    n.irq_level = rec_get_bool(in);
    uint32_t count = rec_get_u32(in);
    if (n.ier & ~IER_MASK)
        rec_fail(in, "IER 0x%02x has undefined bits", n.ier);
    if (n.mcr & ~MCR_MASK)
        rec_fail(in, "MCR 0x%02x has undefined bits", n.mcr);
    if (count > RX_BUF)
        rec_fail(in, "%u received bytes (at most %u)", count, RX_BUF);
    if (rec_ok(in)) {
        n.rx_count = count;
        rec_get_bytes(in, n.rx, count);
    }
    bool level = !(iir(&n) & IIR_NONE);
    if (rec_ok(in) && n.irq_level != level)
        rec_fail(in, "interrupt line %s while the registers say %s",
                 n.irq_level ? "high" : "low", level ? "high" : "low");
    if (rec_close(in, e) < 0)
        return -1;

    pthread_mutex_lock(&u->lock);
    u->ier = n.ier;
    u->lcr = n.lcr;
    u->mcr = n.mcr;
    u->scr = n.scr;
    u->dll = n.dll;
    u->dlm = n.dlm;
    u->fifo_enabled = n.fifo_enabled;
    u->thre_pending = n.thre_pending;
    memcpy(u->rx, n.rx, n.rx_count);
    u->rx_head = 0;
    u->rx_count = n.rx_count;
    /* Drive the line even where it has not moved: whatever the interrupt
     * controller held before, it now hears this device's level. */
    u->irq_level = n.irq_level;
    irq_line_set(&u->irq, u->irq_level);
    pthread_mutex_unlock(&u->lock);
    return 0;
}
