/* scripts.h — the server-side Lua scripts, embedded at build time from daemon/lua/. */
#ifndef LEADROUTED_SCRIPTS_H
#define LEADROUTED_SCRIPTS_H

/* SCRIPT_ROUTE, SCRIPT_DRAIN, ...: one per row of scripts.def, in its order. */
enum script_id {
#define SCRIPT(id, file)	SCRIPT_##id,
#include "io/scripts.def"
#undef SCRIPT
	SCRIPT_COUNT
};

struct script {
	const char	*name;
	const char	*source;	/* the script, then the libraries it uses */
};

extern const struct script scripts[SCRIPT_COUNT];

#endif
