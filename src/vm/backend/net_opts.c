/* Parsing the --net option: the mode, then comma-separated key=value
 * options (hostfwd and mac for user, ifname and mac for tap). */
#include "vm/backend/net_opts.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

/* Longest hostfwd value: "udp:255.255.255.255:65535-255.255.255.255:65535". */
#define HOSTFWD_MAX 48

static bool parse_port(const char *s, uint16_t *port)
{
    if (!*s || strlen(s) > 5)
        return false;
    unsigned v = 0;
    for (; *s; s++) {
        if (!isdigit((unsigned char)*s))
            return false;
        v = v * 10 + (unsigned)(*s - '0');
    }
    if (v < 1 || v > 65535)
        return false;
    *port = (uint16_t)v;
    return true;
}

/* An empty address means dflt (host byte order). */
static bool parse_addr(const char *s, uint32_t dflt, struct in_addr *a)
{
    if (!*s) {
        a->s_addr = htonl(dflt);
        return true;
    }
    return inet_pton(AF_INET, s, a) == 1;
}

/* Split s at the first sep: s keeps the part before, the result is the
 * part after (NULL when sep is missing). */
static char *cut(char *s, char sep)
{
    char *p = strchr(s, sep);
    if (p)
        *p++ = '\0';
    return p;
}

/* "[tcp|udp]:[HADDR]:HPORT-[GADDR]:GPORT", as QEMU writes it. */
static int parse_hostfwd(const char *v, struct hostfwd *f, struct err *e)
{
    char buf[HOSTFWD_MAX];
    if (strlen(v) >= sizeof buf)
        return err_set(e, 0, "--net: bad hostfwd '%s'", v);
    strcpy(buf, v);
    char *haddr = cut(buf, ':');
    char *hport = haddr ? cut(haddr, ':') : NULL;
    char *gaddr = hport ? cut(hport, '-') : NULL;
    char *gport = gaddr ? cut(gaddr, ':') : NULL;
    if (!gport)
        return err_set(e, 0, "--net: bad hostfwd '%s'", v);
    if (!strcmp(buf, "udp"))
        f->udp = true;
    else if (!strcmp(buf, "tcp") || !*buf)
        f->udp = false;
    else
        return err_set(e, 0, "--net: bad hostfwd '%s'", v);
    if (!parse_addr(haddr, INADDR_ANY, &f->haddr) ||
        !parse_port(hport, &f->hport) ||
        !parse_addr(gaddr, NET_USER_GUEST, &f->gaddr) ||
        !parse_port(gport, &f->gport))
        return err_set(e, 0, "--net: bad hostfwd '%s'", v);
    if ((ntohl(f->gaddr.s_addr) & NET_USER_MASK) != NET_USER_NET)
        return err_set(e, 0, "--net: hostfwd guest address in '%s' is "
                       "outside 10.0.2.0/24", v);
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* "xx:xx:xx:xx:xx:xx", unicast. */
static int parse_mac(const char *v, uint8_t mac[6], struct err *e)
{
    if (strlen(v) != 17)
        return err_set(e, 0, "--net: bad mac '%s'", v);
    for (int i = 0; i < 6; i++) {
        const char *p = v + 3 * i;
        int hi = hexval(p[0]), lo = hexval(p[1]);
        if (hi < 0 || lo < 0 || (i < 5 && p[2] != ':'))
            return err_set(e, 0, "--net: bad mac '%s'", v);
        mac[i] = (uint8_t)(hi << 4 | lo);
    }
    if (mac[0] & 1)
        return err_set(e, 0, "--net: mac '%s' is a multicast address", v);
    return 0;
}

static int parse_option(char *opt, const char *mode, struct net_opts *o,
                        struct err *e)
{
    char *val = cut(opt, '=');
    if (!val)
        return err_set(e, 0, "--net %s: bad option '%s' (KEY=VALUE)", mode,
                       opt);
    if (o->mode != NET_NONE && !strcmp(opt, "mac")) {
        o->mac_set = true;
        return parse_mac(val, o->mac, e);
    }
    if (o->mode == NET_USER && !strcmp(opt, "hostfwd")) {
        if (o->nfwd >= NET_MAX_HOSTFWD)
            return err_set(e, 0, "--net: too many hostfwds (at most %d)",
                           NET_MAX_HOSTFWD);
        return parse_hostfwd(val, &o->fwd[o->nfwd++], e);
    }
    if (o->mode == NET_TAP && !strcmp(opt, "ifname")) {
        if (strlen(val) >= sizeof o->ifname)
            return err_set(e, 0, "--net: ifname '%s' is too long (at most "
                           "%zu characters)", val, sizeof o->ifname - 1);
        strcpy(o->ifname, val);
        return 0;
    }
    return err_set(e, 0, "--net %s: unknown option '%s'", mode, opt);
}

static int parse(char *s, struct net_opts *o, struct err *e)
{
    char *rest = cut(s, ',');
    if (!strcmp(s, "user"))
        o->mode = NET_USER;
    else if (!strcmp(s, "tap"))
        o->mode = NET_TAP;
    else if (!strcmp(s, "none"))
        o->mode = NET_NONE;
    else
        return err_set(e, 0, "--net: unknown mode '%s' (user, tap or none)",
                       s);
    while (rest) {
        char *opt = rest;
        rest = cut(opt, ',');
        if (parse_option(opt, s, o, e) < 0)
            return -1;
    }
    if (o->mode == NET_TAP && !o->ifname[0])
        return err_set(e, 0, "--net tap needs ifname=NAME");
    return 0;
}

int net_opts_parse(const char *arg, struct net_opts *o, struct err *e)
{
    *o = (struct net_opts){ .mode = NET_NONE };
    char *s = strdup(arg);
    if (!s)
        return err_set(e, ENOMEM, "--net: out of memory");
    int r = parse(s, o, e);
    free(s);
    return r;
}
