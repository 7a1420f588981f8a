/*
 * sentinel_msg.h — what Redis Sentinel says, read strictly: the master's
 * address (SENTINEL get-master-addr-by-name) and a +switch-master message.
 * An address must be a numeric IP: the daemon connects without DNS, so a
 * Sentinel that announces host names (resolve-hostnames yes) is refused
 * rather than allowed to block the loop in a lookup.
 */
#ifndef LEADROUTE_SENTINEL_MSG_H
#define LEADROUTE_SENTINEL_MSG_H

#include <stddef.h>

#define SENTINEL_HOST_MAX	46	/* INET6_ADDRSTRLEN */

/* The two strings of a get-master-addr-by-name answer: 0 with host and port, or -1. */
int sentinel_msg_addr(const char *ip, size_t iplen, const char *port, size_t portlen,
    char host[SENTINEL_HOST_MAX], int *portp);

/*
 * A +switch-master message, "NAME OLD-IP OLD-PORT NEW-IP NEW-PORT": 0 with
 * the new address when NAME is master, 1 when it is another master's
 * (a Sentinel may watch several), -1 when it is malformed.
 */
int sentinel_msg_switch(const char *msg, size_t len, const char *master,
    char host[SENTINEL_HOST_MAX], int *portp);

#endif
