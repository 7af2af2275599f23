/* Goldfish RTC (google,goldfish-rtc): the host's wall clock in nanoseconds.
 * Read-only: writes to TIME_LOW/TIME_HIGH (setting the clock) are ignored,
 * and so are the alarm registers, which read back 0 (no alarm armed); the
 * device never raises its interrupt. */
#include "vm/dev/goldfish_rtc.h"

#include <time.h>

#include "base/rec.h"
#include "vm/bus.h"

#define RTC_TIME_LOW  0x00
#define RTC_TIME_HIGH 0x04

/* Reading TIME_LOW latches the high half for the TIME_HIGH read that
 * follows. The latch is per host thread, i.e. per vCPU: harts reading the
 * clock at the same time cannot tear each other's value, and the device
 * needs no per-machine state. */
static _Thread_local uint32_t latched_high;

static uint64_t host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t rtc_read(void *opaque, uint64_t off, unsigned size)
{
    (void)opaque;
    if (size != 4)
        return 0;
    if (off == RTC_TIME_LOW) {
        uint64_t now = host_ns();
        latched_high = (uint32_t)(now >> 32);
        return (uint32_t)now;
    }
    if (off == RTC_TIME_HIGH)
        return latched_high;
    return 0;
}

static void rtc_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    (void)opaque, (void)off, (void)val, (void)size;
}

void goldfish_rtc_attach(struct bus *bus, uint64_t base, uint64_t size)
{
    struct mmio_dev d = {
        .name = "rtc",
        .base = base,
        .size = size,
        .read = rtc_read,
        .write = rtc_write,
    };
    bus_add(bus, &d);
}

/* The state record, version 1, is empty: the time is the host's, not the
 * device's, and the latch lives in the reading threads. It is there so a
 * snapshot names every device, and so a later version has a place to
 * put state (an offset from host time, an armed alarm). */
#define RTC_REC_VERSION 1

void goldfish_rtc_save(struct rec_out *o)
{
    rec_begin(o, "rtc", RTC_REC_VERSION);
    rec_end(o);
}

int goldfish_rtc_load(struct rec_in *in, struct err *e)
{
    if (rec_open(in, "rtc", RTC_REC_VERSION, e) < 0)
        return -1;
    return rec_close(in, e);
}
