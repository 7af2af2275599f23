/* The CLI verbs that talk to a running machine through its control API. */
#ifndef CELLA_VM_CTL_H
#define CELLA_VM_CTL_H

#include <stdbool.h>

/* Whether `cella vm NAME` is one of them (status, pause, resume, stop). */
bool vm_ctl_is_verb(const char *name);
/* Run one: argv[0] is the verb, then `--api PATH`; the exit status. */
int vm_ctl(int argc, char **argv);

#endif
