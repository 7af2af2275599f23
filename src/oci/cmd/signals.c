/* Signal names and numbers. */
#include "oci/cmd/signals.h"

#include <ctype.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/err.h"

int signal_parse(const char *s, struct err *e)
{
    char *end;
    if (isdigit((unsigned char)s[0])) {
        long n = strtol(s, &end, 10);
        if (!*end && n > 0 && n <= SIGRTMAX)
            return (int)n;
        return err_set(e, 0, "unknown signal '%s'", s);
    }
    const char *name = strncasecmp(s, "SIG", 3) ? s : s + 3;
    if (!strncasecmp(name, "RTMIN+", 6) || !strncasecmp(name, "RTMAX-", 6)) {
        long n = strtol(name + 6, &end, 10);
        int sig = toupper((unsigned char)name[3]) == 'I' ? SIGRTMIN + (int)n
                                                         : SIGRTMAX - (int)n;
        if (!*end && end != name + 6 && n >= 0 && sig >= SIGRTMIN &&
            sig <= SIGRTMAX)
            return sig;
        return err_set(e, 0, "unknown signal '%s'", s);
    }
    if (!strcasecmp(name, "RTMIN"))
        return SIGRTMIN;
    if (!strcasecmp(name, "RTMAX"))
        return SIGRTMAX;
    for (int sig = 1; sig < SIGRTMIN; sig++) {
        const char *abbrev = sigabbrev_np(sig);
        if (abbrev && !strcasecmp(abbrev, name))
            return sig;
    }
    return err_set(e, 0, "unknown signal '%s'", s);
}
