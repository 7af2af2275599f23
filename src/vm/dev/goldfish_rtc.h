/* Goldfish RTC (google,goldfish-rtc): wall-clock time in nanoseconds. */
#ifndef CELLA_VM_DEV_GOLDFISH_RTC_H
#define CELLA_VM_DEV_GOLDFISH_RTC_H

#include <stdint.h>

struct bus;

/* Add the device at base (size bytes) to bus. */
void goldfish_rtc_attach(struct bus *bus, uint64_t base, uint64_t size);

#endif
