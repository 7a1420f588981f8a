/* mapping.h — a sender's payload into leads: presets, field maps, transforms. */
#ifndef LEADROUTE_MAPPING_H
#define LEADROUTE_MAPPING_H

#include <stddef.h>

#include <jansson.h>

struct mapping;			/* compiled, immutable */

/* Why a body as a whole was refused. */
struct mapping_error {
	int		 status;	/* 400, 413, 415 or 422 */
	const char	*code;		/* malformed_json, malformed_form, too_deep, too_many_events,
					   unsupported_media_type, invalid_body */
	char		 message[256];
};

/* One event of a body. */
struct mapping_event {
	char		*event_id;	/* the sender's id, else "sha256:<hex>" of the event (malloc'd) */
	json_t		*lead;		/* a new object in our lead schema; NULL: ignored or refused */
	int		 ignored;	/* an event of a kind this source does not route */
	const char	*error_code;	/* refused: "invalid_event" */
	char		 error_field[72];
	char		 message[256];	/* why ignored or refused */
};

struct mapping_result {
	struct mapping_event	*events;
	size_t			 nevents;
	int			 batch;		/* the body was an array */
};

struct mapping_limits {
	size_t	max_events;	/* events in one body */
	size_t	max_depth;	/* JSON nesting */
	size_t	max_pairs;	/* form fields */
};

/* A preset's spec (new reference), or NULL when there is none by that name. */
json_t *mapping_preset(const char *name);

/* The preset names, NULL-terminated. */
const char *const *mapping_preset_names(void);

/*
 * Compile a spec (docs/sources.md). With "preset", the preset is taken first
 * and the spec's members override it, "fields" field by field (null removes
 * one). NULL with *cause (malloc'd, naming the member) when it is invalid.
 */
struct mapping *mapping_compile(const json_t *spec, char **cause);
void mapping_free(struct mapping *m);

/* "json" or "form": the body the source takes. */
const char *mapping_format(const struct mapping *m);

/*
 * Read the body (content_type: the header, may be NULL) and map each event:
 * 0 with out filled (free with mapping_result_free), or -1 with err when the
 * body as a whole is refused. A bad event refuses that event only.
 */
int mapping_apply(const struct mapping *m, const struct mapping_limits *lim,
    const char *content_type, const char *body, size_t len, struct mapping_result *out,
    struct mapping_error *err);
void mapping_result_free(struct mapping_result *r);

#endif
