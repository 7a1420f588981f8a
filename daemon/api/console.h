/* console.h — the web console's files, built into the binary. */
#ifndef LEADROUTED_CONSOLE_H
#define LEADROUTED_CONSOLE_H

#include <stddef.h>

/* One file of daemon/console/, built into the binary (build-aux/embed-assets). */
struct console_asset {
	const char		*name;
	const char		*type;		/* its Content-Type */
	const unsigned char	*data;
	size_t			 len;
};
extern const struct console_asset console_assets[];
extern const size_t console_nassets;

#endif
