/* sentinel_msg.c — Sentinel's answers and messages, read strictly (see sentinel_msg.h). */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "leadroute/sentinel_msg.h"

/* A numeric IPv4 or IPv6 address of len bytes, copied to host: 0, or -1. */
static int
sentinel_msg_ip(const char *s, size_t len, char host[SENTINEL_HOST_MAX])
{
	unsigned char addr[sizeof(struct in6_addr)];

	if (len == 0 || len >= SENTINEL_HOST_MAX || memchr(s, '\0', len) != NULL)
		return -1;
	memcpy(host, s, len);
	host[len] = '\0';
	if (inet_pton(AF_INET, host, addr) != 1 && inet_pton(AF_INET6, host, addr) != 1)
		return -1;
	return 0;
}

/* A port, 1-65535, of len decimal digits: 0, or -1. */
static int
sentinel_msg_port(const char *s, size_t len, int *port)
{
	long v = 0;
	size_t i;

	if (len == 0 || len > 5)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

int
sentinel_msg_addr(const char *ip, size_t iplen, const char *port, size_t portlen,
    char host[SENTINEL_HOST_MAX], int *portp)
{
	if (sentinel_msg_ip(ip, iplen, host) == -1 || sentinel_msg_port(port, portlen, portp) == -1)
		return -1;
	return 0;
}

int
sentinel_msg_switch(const char *msg, size_t len, const char *master,
    char host[SENTINEL_HOST_MAX], int *portp)
{
	const char *word[5], *end = msg + len, *p = msg;
	size_t wlen[5];
	int i;

	/* Exactly five words, one space apart. */
	for (i = 0; i < 5; i++) {
		const char *sp = memchr(p, ' ', (size_t)(end - p));

		if (i < 4 && sp == NULL)
			return -1;
		if (i == 4 && sp != NULL)
			return -1;
		word[i] = p;
		wlen[i] = (size_t)((i < 4 ? sp : end) - p);
		if (wlen[i] == 0)
			return -1;
		p = i < 4 ? sp + 1 : end;
	}
	if (strlen(master) != wlen[0] || memcmp(word[0], master, wlen[0]) != 0)
		return 1;
	if (sentinel_msg_addr(word[3], wlen[3], word[4], wlen[4], host, portp) == -1)
		return -1;
	return 0;
}
