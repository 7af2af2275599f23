/* Signal names and numbers as kill(1) and runc take them. */
#ifndef CELLA_OCI_CMD_SIGNALS_H
#define CELLA_OCI_CMD_SIGNALS_H

struct err;

/* "9", "KILL", "SIGKILL", "sigterm", "RTMIN+2": the number, or -1 with
 * "unknown signal 'X'". */
int signal_parse(const char *s, struct err *e);

#endif
