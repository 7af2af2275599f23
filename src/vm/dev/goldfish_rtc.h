/* Goldfish RTC (google,goldfish-rtc): wall-clock time in nanoseconds. */
#ifndef CELLA_VM_DEV_GOLDFISH_RTC_H
#define CELLA_VM_DEV_GOLDFISH_RTC_H

struct machine;

/* Add the device at MEM_RTC_BASE to the machine's bus. */
void goldfish_rtc_attach(struct machine *m);

#endif
