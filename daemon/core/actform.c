/*
 * actform.c — the form an email action link's confirmation page posts. A
 * link (core/actlink.c) names an action; opening it shows a page, and only
 * the page's POST acts, so a mail scanner that follows links changes
 * nothing. What that POST may carry is small and known: the token, and for
 * a rejection a reason code and a note. Anything else about the body is
 * refused here, before the token is even checked: a body that is not a
 * form, a bad escape, a field given twice, two different tokens.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "leadroute/actform.h"
#include "leadroute/form.h"
#include "leadroute/util.h"

static const struct actform_action actform_actions[] = {
	{ "accept", ACTFORM_ACCEPT, NULL, "Accept this lead?", "Accept the lead", "Accepted" },
	{ "reject", ACTFORM_REJECT, NULL, "Reject this lead?", "Reject the lead", "Rejected" },
	{ "touch_call", ACTFORM_TOUCH, "call", "Log a call with this lead?", "Log the call",
	  "Call logged" },
	{ "touch_email", ACTFORM_TOUCH, "email", "Log an email to this lead?", "Log the email",
	  "Email logged" },
};

const struct actform_action *
actform_action(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < LR_NELEM(actform_actions); i++)
		if (strcmp(name, actform_actions[i].name) == 0)
			return &actform_actions[i];
	return NULL;
}

/* Refuse the form: out->why, -1. */
static int LR_PRINTF(2, 3)
actform_refuse(struct actform *out, const char *fmt, ...)
{
	va_list ap;

	actform_clear(out);
	va_start(ap, fmt);
	vsnprintf(out->why, sizeof(out->why), fmt, ap);
	va_end(ap);
	return -1;
}

/* True for application/x-www-form-urlencoded, in any case, with or without parameters. */
static int
actform_is_form_type(const char *ct)
{
	static const char type[] = "application/x-www-form-urlencoded";
	size_t n = sizeof(type) - 1;

	if (ct == NULL || strncasecmp(ct, type, n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

/*
 * The field name of form into *dst (NULL when absent or empty); -1 after
 * refusing one given twice or longer than max bytes.
 */
static int
actform_field(struct actform *out, const json_t *form, const char *name, size_t max, char **dst)
{
	const json_t *v = json_object_get(form, name);

	if (v == NULL)
		return 0;
	if (!json_is_string(v))
		return actform_refuse(out, "the form gives %s more than once", name);
	if (json_string_length(v) > max)
		return actform_refuse(out, "the form's %s is longer than %zu bytes", name, max);
	if (json_string_length(v) > 0)
		*dst = xstrdup(json_string_value(v));
	return 0;
}

int
actform_parse(const char *content_type, const char *body, size_t len,
    const char *query_token, struct actform *out)
{
	char *cause = NULL;
	json_t *form;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (len > ACTFORM_BODY_MAX)
		return actform_refuse(out, "the form is larger than %d bytes", ACTFORM_BODY_MAX);
	if (len > 0 && !actform_is_form_type(content_type))
		return actform_refuse(out, "the body must be a form "
		    "(application/x-www-form-urlencoded)");
	if ((form = form_parse(len > 0 ? body : "", len, ACTFORM_FIELDS_MAX, &cause)) == NULL) {
		actform_refuse(out, "the form cannot be read: %s", cause);
		free(cause);
		return -1;
	}
	if (actform_field(out, form, "token", ACTFORM_BODY_MAX, &out->token) == -1 ||
	    actform_field(out, form, "reason", ACTFORM_REASON_MAX, &out->reason) == -1 ||
	    actform_field(out, form, "note", ACTFORM_NOTE_MAX, &out->note) == -1)
		goto done;
	if (query_token != NULL && *query_token != '\0') {
		size_t qlen = strlen(query_token);

		if (qlen > ACTFORM_BODY_MAX ||
		    util_utf8_bad((const unsigned char *)query_token, qlen) < qlen) {
			actform_refuse(out, "the address's token is not a link's token");
			goto done;
		}
		if (out->token != NULL && strcmp(out->token, query_token) != 0) {
			actform_refuse(out, "the form and its address name different links");
			goto done;
		}
		if (out->token == NULL)
			out->token = xstrdup(query_token);
	}
	rc = 0;
done:
	json_decref(form);
	return rc;
}

void
actform_clear(struct actform *f)
{
	free(f->token);
	free(f->reason);
	free(f->note);
	f->token = f->reason = f->note = NULL;
}

void
actform_idem_key(const char *token, char out[ACTFORM_IDEM_LEN + 1])
{
	unsigned char digest[EVP_MAX_MD_SIZE];

	memcpy(out, "link:", 5);
	EVP_Digest(token, strlen(token), digest, NULL, EVP_sha256(), NULL);
	util_hex_encode(digest, 16, out + 5);
}
