/* jsonw.h — write JSON text straight into a buffer, without building a tree. */
#ifndef LEADROUTE_JSONW_H
#define LEADROUTE_JSONW_H

#include <stddef.h>
#include <stdint.h>

#include "leadroute/util.h"

#define JSONW_MAX_DEPTH 32

/*
 * A writer. Every value call takes the member name when inside an object and
 * NULL inside an array or at the top; commas are placed for you. Strings must
 * be UTF-8 (they are escaped per RFC 8259).
 */
struct jsonw {
	struct buf	 buf;
	int		 depth;
	unsigned char	 count[JSONW_MAX_DEPTH];	/* values written at each depth (0, 1, more) */
};

void jsonw_begin_object(struct jsonw *w, const char *key);
void jsonw_end_object(struct jsonw *w);
void jsonw_begin_array(struct jsonw *w, const char *key);
void jsonw_end_array(struct jsonw *w);
void jsonw_string(struct jsonw *w, const char *key, const char *s);	/* NULL: null */
void jsonw_int(struct jsonw *w, const char *key, int64_t v);
void jsonw_bool(struct jsonw *w, const char *key, int v);
void jsonw_null(struct jsonw *w, const char *key);
/* An RFC 3339 time for epoch milliseconds, or null when ms < 0. */
void jsonw_time(struct jsonw *w, const char *key, int64_t ms);
/* JSON text that is already valid (a stored document, say), inserted as is. */
void jsonw_raw(struct jsonw *w, const char *key, const char *json, size_t len);

/*
 * Members written elsewhere ("\"a\":1,\"b\":2", valid, without braces), inserted
 * as they are into the object being written: a part many bodies share.
 */
void jsonw_raw_members(struct jsonw *w, const char *members, size_t len);

/* The finished text (malloc'd, caller frees); the writer is reset. */
char *jsonw_finish(struct jsonw *w, size_t *len);

#endif
