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
	const char	*name;		/* its function is <name>_<library version> */
	const int	*line;		/* the library line of its line 1 */
};

extern const struct script scripts[SCRIPT_COUNT];

/*
 * Every script as one Redis function library (build-aux/embed-lua), with
 * "@V@" where its version goes: in its name, leadroute_@V@, and in each
 * function's, <script>_@V@.
 */
extern const char lua_library[];

#endif
