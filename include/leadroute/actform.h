/*
 * actform.h — what an email action link asks for, and the form its
 * confirmation page posts back: the link's action names, the form body read
 * strictly, and the idempotency key a link's token gives its action.
 */
#ifndef LEADROUTE_ACTFORM_H
#define LEADROUTE_ACTFORM_H

#include <stddef.h>

#define ACTFORM_BODY_MAX	16384	/* bytes of form body at most */
#define ACTFORM_FIELDS_MAX	16	/* name=value pairs at most */
#define ACTFORM_REASON_MAX	64	/* bytes: a reason code */
#define ACTFORM_NOTE_MAX	8000	/* bytes: the lifecycle's own limit is lower, and said */
#define ACTFORM_IDEM_LEN	37	/* "link:" and 32 hex digits */
#define ACTFORM_WHY_MAX		160

/* What an action of a link does. */
enum actform_kind {
	ACTFORM_ACCEPT,
	ACTFORM_REJECT,		/* with a reason code, and a note when the reason needs one */
	ACTFORM_TOUCH,		/* logs a touch on channel */
};

/* An action a link may name (the names core/message.c signs). */
struct actform_action {
	const char		*name;		/* accept, reject, touch_call, touch_email */
	enum actform_kind	 kind;
	const char		*channel;	/* ACTFORM_TOUCH: "call", "email"; else NULL */
	const char		*title;		/* the confirmation page's question */
	const char		*button;	/* its button */
	const char		*done;		/* what the page says once it is done */
};

/* The action a link's action name names; NULL when none does. */
const struct actform_action *actform_action(const char *name);

/*
 * A confirmation page's form as posted. Strings are malloc'd, NUL-free,
 * valid UTF-8; NULL when not given (an empty value counts as not given).
 */
struct actform {
	char	*token;		/* the body's, else the query's */
	char	*reason;	/* at most ACTFORM_REASON_MAX bytes */
	char	*note;		/* at most ACTFORM_NOTE_MAX bytes */
	char	 why[ACTFORM_WHY_MAX];	/* why the form was refused */
};

/*
 * Read a POST of a confirmation page: body (len bytes, NULL when len is 0)
 * sent with content_type (NULL: none), and query_token, the token of the
 * address it was posted to (NULL: none). An empty body is a form without
 * fields, whatever its type; any other body must be
 * application/x-www-form-urlencoded (parameters allowed) of at most
 * ACTFORM_BODY_MAX bytes and ACTFORM_FIELDS_MAX fields, read by form_parse.
 * token, reason and note may each be given once; other fields are ignored.
 * A token in both the body and the query must be the same. 0 with out
 * filled; -1 with out->why saying what is wrong (and nothing else set).
 * out is cleared first; call actform_clear whatever the result.
 */
int actform_parse(const char *content_type, const char *body, size_t len,
    const char *query_token, struct actform *out);

/* Free the strings of a form and clear them; safe twice. */
void actform_clear(struct actform *f);

/*
 * The idempotency key of the action a token asks for: "link:" and the
 * first 16 bytes of SHA-256(token) in lower-case hex, with a NUL. The same
 * link posted twice is then one action.
 */
void actform_idem_key(const char *token, char out[ACTFORM_IDEM_LEN + 1]);

#endif
