/* leadref.c — a lead named by its id or by an identity of its person (email:, phone:, crm:). */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "leadroute/leadref.h"
#include "leadroute/ulid.h"
#include "leadroute/util.h"

/* Each kind of reference: its prefix (also pii_hash's kind) and what an empty one lacks. */
static const struct leadref_prefix {
	const char		*name;
	enum leadref_kind	 kind;
	const char		*empty;
} leadref_prefixes[] = {
	{ "email", LEADREF_EMAIL, "an email reference needs an address" },
	{ "phone", LEADREF_PHONE, "a phone reference needs a number" },
	{ "crm", LEADREF_CRM, "a crm reference needs a CRM's record id" },
};

static int
leadref_fail(struct leadref *ref, const char *why)
{
	ref->value = NULL;
	ref->why = why;
	return -1;
}

/* Something other than spaces on each side of an @ (the lead's own check is stricter). */
static int
leadref_has_address(const char *s)
{
	const char *at = strrchr(s, '@'), *p;
	int before = 0;

	if (at == NULL || strspn(at + 1, " ") == strlen(at + 1))
		return 0;
	for (p = s; p < at; p++)
		before |= *p != ' ';
	return before;
}

int
leadref_parse(const char *text, struct leadref *ref)
{
	const struct leadref_prefix *px = NULL;
	const char *colon, *v;
	size_t i, len;

	ref->kind = LEADREF_ID;
	ref->why = NULL;
	if (text == NULL || *text == '\0')
		return leadref_fail(ref, "no lead is named");
	if (ulid_valid(text)) {
		ref->value = text;
		return 0;
	}
	if ((colon = strchr(text, ':')) == NULL)
		return leadref_fail(ref, "neither a lead id (26 characters of Crockford base32) "
		    "nor a reference (email:, phone: or crm: and a value)");
	len = (size_t)(colon - text);
	for (i = 0; i < LR_NELEM(leadref_prefixes); i++)
		if (strlen(leadref_prefixes[i].name) == len &&
		    strncasecmp(text, leadref_prefixes[i].name, len) == 0)
			px = &leadref_prefixes[i];
	if (px == NULL)
		return leadref_fail(ref, "an unknown kind of reference (a lead is named by its id, "
		    "or by email:, phone: or crm: and a value)");
	v = colon + 1;
	if (strlen(v) > LEADREF_VALUE_MAX)
		return leadref_fail(ref, "a reference's value is at most 254 bytes");
	for (i = 0; v[i] != '\0'; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return leadref_fail(ref, "a reference's value holds no control characters");
	if (strspn(v, " ") == strlen(v))
		return leadref_fail(ref, px->empty);
	if (px->kind == LEADREF_EMAIL && !leadref_has_address(v))
		return leadref_fail(ref, "an email reference needs an address (name@domain)");
	if (px->kind == LEADREF_PHONE && strpbrk(v, "0123456789") == NULL)
		return leadref_fail(ref, "a phone reference needs digits");
	ref->kind = px->kind;
	ref->value = v;
	return 0;
}

const char *
leadref_kind_name(enum leadref_kind kind)
{
	size_t i;

	for (i = 0; i < LR_NELEM(leadref_prefixes); i++)
		if (leadref_prefixes[i].kind == kind)
			return leadref_prefixes[i].name;
	return "id";
}
