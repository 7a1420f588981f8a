/* scripts.c — the table of embedded scripts (their library comes from lua_sources.c). */
#include "config.h"

#include "io/scripts.h"

#define SCRIPT(id, file)	extern const int lua_line_##file;
#include "io/scripts.def"
#undef SCRIPT

const struct script scripts[SCRIPT_COUNT] = {
#define SCRIPT(id, file)	[SCRIPT_##id] = { .name = #file, .line = &lua_line_##file },
#include "io/scripts.def"
#undef SCRIPT
};
