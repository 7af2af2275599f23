/* A NIC's self-announce after a migration: RARP frames from the guest's
 * MAC, broadcast on the NIC's back end over half a second, so that the
 * bridges and switches on the way learn which port the MAC is behind now.
 * The frames go out on the I/O thread, paced by a timer of their own. */
#ifndef CELLA_VM_BACKEND_NET_ANNOUNCE_H
#define CELLA_VM_BACKEND_NET_ANNOUNCE_H

#include <stdint.h>

#include "vm/backend/net.h"

#define NET_ANNOUNCE_FRAMES 5
#define NET_RARP_LEN 60         /* Ethernet's minimum frame (ETH_ZLEN) */

struct err;
struct iothread;
struct net_announce;

/* The announce frame of mac: broadcast, ethertype RARP, a "request
 * reverse" for mac itself, no protocol addresses, padded with zeros. */
void net_rarp_frame(uint8_t frame[NET_RARP_LEN], const uint8_t mac[6]);

/* An announcer of mac on nb, its timer registered on io (before
 * iothread_start). NULL with e filled on failure. */
struct net_announce *net_announce_new(struct iothread *io,
                                      struct net_backend *nb,
                                      const uint8_t mac[6], struct err *e);
/* Send NET_ANNOUNCE_FRAMES frames from now on, at 0, 50, 150, 300 and
 * 500 ms (again from the first when some are still to go). Any thread;
 * returns at once, the I/O thread sends them. */
void net_announce_start(struct net_announce *a);
/* Only after iothread_free. NULL is fine. */
void net_announce_free(struct net_announce *a);

#endif
