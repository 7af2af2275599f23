/* Goldfish RTC (google,goldfish-rtc): wall-clock time in nanoseconds. */
#ifndef CELLA_VM_DEV_GOLDFISH_RTC_H
#define CELLA_VM_DEV_GOLDFISH_RTC_H

#include <stdint.h>

struct bus;
struct err;
struct rec_in;
struct rec_out;

/* Add the device at base (size bytes) to bus. */
void goldfish_rtc_attach(struct bus *bus, uint64_t base, uint64_t size);

/* The RTC's state record ("rtc"). It keeps no state (the time is the
 * host's), so the record is empty; the device has no object either, and
 * these stand for the one RTC of a machine. goldfish_rtc_load returns 0,
 * or -1 with e filled. */
void goldfish_rtc_save(struct rec_out *o);
int goldfish_rtc_load(struct rec_in *in, struct err *e);

#endif
