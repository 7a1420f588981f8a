/*
 * fuzz_sentinel_msg.c — what a Sentinel says: any bytes as a +switch-master
 * message (for the master "lr" and for the input's own first word), and
 * split at the first NUL as the two strings of a master's address.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/sentinel_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *nul;
	char host[SENTINEL_HOST_MAX], first[64];
	size_t n;
	int port = 0;

	if (sentinel_msg_switch(s, size, "lr", host, &port) == 0 &&
	    (strlen(host) >= SENTINEL_HOST_MAX || port < 1 || port > 65535))
		abort();
	for (n = 0; n < size && n < sizeof(first) - 1 && s[n] != ' ' && s[n] != '\0'; n++)
		first[n] = s[n];
	first[n] = '\0';
	if (sentinel_msg_switch(s, size, first, host, &port) == 0 &&
	    (strlen(host) >= SENTINEL_HOST_MAX || port < 1 || port > 65535))
		abort();
	if ((nul = memchr(s, '\0', size)) != NULL &&
	    sentinel_msg_addr(s, (size_t)(nul - s), nul + 1, size - (size_t)(nul - s) - 1,
	    host, &port) == 0 && (strlen(host) >= SENTINEL_HOST_MAX || port < 1 || port > 65535))
		abort();
	return 0;
}
