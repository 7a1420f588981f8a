/* mapping.h — a sender's payload into leads: presets, field maps, transforms. */
#ifndef LEADROUTE_MAPPING_H
#define LEADROUTE_MAPPING_H

#include <stddef.h>

#include <jansson.h>

struct mapping;			/* compiled, immutable: share it between requests freely */

/* Why a body as a whole was refused. */
struct mapping_error {
	int		 status;	/* HTTP status for the whole body: 400, 413, 415 or 422 */
	const char	*code;		/* malformed_json, malformed_form, too_deep, too_many_events,
					   unsupported_media_type, invalid_body */
	char		 message[256];
};

/* One event of a body. */
struct mapping_event {
	/*
	 * Never NULL (malloc'd): the sender's id (the parts of event_id joined
	 * with ":"), or "sha256:<hex>" of the event when the spec or the event has
	 * none — and also when the event is refused, so an unchecked id never
	 * leaves the module. At most 200 bytes of printable ASCII when lead != NULL.
	 */
	char		*event_id;
	json_t		*lead;		/* a new object in our lead schema; NULL: ignored or refused */
	int		 ignored;	/* an event of a kind this source does not route */
	const char	*error_code;	/* when lead == NULL && !ignored: "invalid_event" */
	char		 error_field[72];	/* the lead field at fault, "event_id", or "" */
	char		 message[256];	/* why ignored or refused */
};

struct mapping_result {
	struct mapping_event	*events;
	size_t			 nevents;
	int			 batch;		/* the body was an array (answer per event) */
};

/* A member left 0 (or lim NULL) takes the default. */
struct mapping_limits {
	size_t	max_events;	/* events in one body (default 100) */
	size_t	max_depth;	/* JSON nesting (default 32) */
	size_t	max_pairs;	/* form pairs (default 1000) */
};

/* A preset's spec (new reference), or NULL when there is none by that name. */
json_t *mapping_preset(const char *name);

/* The preset names, NULL-terminated. */
const char *const *mapping_preset_names(void);

/*
 * Compile a spec (docs/sources.md). With "preset", the preset is taken first
 * and the spec's members replace the preset's, except "fields", merged field
 * by field (a field mapped to null drops the preset's). NULL with *cause
 * (malloc'd, naming the member: "fields.email.transform: unknown transform
 * \"lower\" (...)") when it is invalid. spec is only read.
 */
struct mapping *mapping_compile(const json_t *spec, char **cause);
void mapping_free(struct mapping *m);

/*
 * True for kind: activity: each event is an action on a lead a CRM names
 * (a touch, an owner change), not a lead. Its object holds action ("touch"
 * or "owner"), crm_id, channel and crm_owner as the spec maps them; the
 * caller reads them (docs/sources.md, "Activity sources").
 */
int mapping_activity(const struct mapping *m);

/* "json" or "form": the body the source takes. */
const char *mapping_format(const struct mapping *m);

/*
 * The i-th lead field the mapping sets (its fields, then its constants), or
 * NULL past the last; with passthrough, an event's other members are kept too.
 */
const char *mapping_field_name(const struct mapping *m, size_t i);

/*
 * Read the body (content_type: the header's value, may be NULL) and map each
 * event: 0 with out filled (free with mapping_result_free), or -1 with err
 * when the body as a whole is refused (out is then empty). A bad event
 * refuses that event only. The leads are not validated: run lead_validate().
 */
int mapping_apply(const struct mapping *m, const struct mapping_limits *lim,
    const char *content_type, const char *body, size_t len, struct mapping_result *out,
    struct mapping_error *err);
void mapping_result_free(struct mapping_result *r);

/*
 * mapping_apply for a body whose form fields named in aside (NULL-terminated)
 * are the caller's, not the sender's data: they are taken out before the
 * form is mapped, so they reach neither a lead nor the event id, and handed
 * back in *taken (a new object of those sent as the form had them: a string,
 * or an array of strings for a name sent twice; NULL when none was, or on
 * -1). A JSON body is mapped whole.
 */
int mapping_apply_aside(const struct mapping *m, const struct mapping_limits *lim,
    const char *const *aside, const char *content_type, const char *body, size_t len,
    struct mapping_result *out, json_t **taken, struct mapping_error *err);

#endif
