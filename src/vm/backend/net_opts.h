/* The --net option: which network back end the guest's NIC uses (user
 * networking, a host tap device, or none), its port forwards and the
 * NIC's MAC address. Also the fixed layout of the user network. */
#ifndef CELLA_VM_BACKEND_NET_OPTS_H
#define CELLA_VM_BACKEND_NET_OPTS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

struct err;

/* The user network, in host byte order: 10.0.2.0/24, the host (and the
 * host's loopback) at .2, the DNS forwarder at .3, DHCP from .15. */
#define NET_USER_NET     0x0a000200u
#define NET_USER_MASK    0xffffff00u
#define NET_USER_HOST    0x0a000202u
#define NET_USER_DNS     0x0a000203u
#define NET_USER_GUEST   0x0a00020fu

#define NET_MAX_HOSTFWD  8
#define NET_IFNAME_MAX   16     /* IFNAMSIZ, with the NUL */

/* A host port forwarded to the guest; addresses in network byte order.
 * An empty host address in the option means every address (0.0.0.0),
 * an empty guest address the guest's DHCP address. */
struct hostfwd {
    bool udp;
    struct in_addr haddr;
    uint16_t hport;
    struct in_addr gaddr;
    uint16_t gport;
};

struct net_opts {
    enum { NET_NONE, NET_USER, NET_TAP } mode;
    char ifname[NET_IFNAME_MAX];        /* tap only */
    struct hostfwd fwd[NET_MAX_HOSTFWD]; /* user only */
    int nfwd;
    uint8_t mac[6];
    bool mac_set;
};

/* Parse "user[,hostfwd=tcp:HADDR:HPORT-GADDR:GPORT]...[,mac=M]",
 * "tap,ifname=NAME[,mac=M]" or "none". Returns 0, or -1 with e filled. */
int net_opts_parse(const char *arg, struct net_opts *o, struct err *e);

#endif
