/* The kernel command line as Linux splits it: words between blanks, a
 * double-quoted part may hold blanks (the quotes are not part of the
 * value), and "--" ends the kernel's arguments (the rest is init's). */
#include "vm/cmdline.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>

#define WORD_MAX 128    /* longer words are cut: no console name is near */

/* The next word of *s into buf, without its quotes; false at the end. */
static bool next_word(const char **s, char *buf, size_t size)
{
    const char *p = *s;
    while (isspace((unsigned char)*p))
        p++;
    if (!*p)
        return false;
    size_t n = 0;
    bool quoted = false;
    for (; *p && (quoted || !isspace((unsigned char)*p)); p++) {
        if (*p == '"')
            quoted = !quoted;
        else if (n + 1 < size)
            buf[n++] = *p;
    }
    buf[n] = 0;
    *s = p;
    return true;
}

bool cmdline_console_is(const char *cmdline, const char *name)
{
    if (!cmdline)
        return false;
    char word[WORD_MAX], last[WORD_MAX];
    bool found = false;
    while (next_word(&cmdline, word, sizeof word) && strcmp(word, "--")) {
        if (!strncmp(word, "console=", 8)) {
            strcpy(last, word + 8);
            found = true;
        }
    }
    if (!found)
        return false;
    size_t len = strcspn(last, ",");
    return len == strlen(name) && !strncmp(last, name, len);
}
