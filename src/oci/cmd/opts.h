/* Command-line options in runc's style: "--name value", "--name=value",
 * "-name value" and one-letter "-n value"; parsing stops at the first
 * argument that is not an option, or after "--". */
#ifndef CELLA_OCI_CMD_OPTS_H
#define CELLA_OCI_CMD_OPTS_H

#include <stdbool.h>

struct err;

enum opt_kind { OPT_FLAG, OPT_STR, OPT_INT, OPT_STRS };

struct opt {
    const char *name;
    char short_name;        /* 0: none */
    enum opt_kind kind;
    void *out;              /* bool *, const char **, long *, struct strs * */
};

/* A repeatable option's values (--env A=1 --env B=2). */
struct strs {
    const char *v[64];
    int n;
};

/* Parse argv[*i...] until the first positional argument; *i is left on
 * it. Unknown options are errors naming the command. */
int opts_parse(const char *cmd, int argc, char **argv, int *i,
               const struct opt *opts, struct err *e);

#endif
