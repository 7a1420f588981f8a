/*
 * event_body.c — an event as subscribers get it (docs/notifications.md, "The
 * body"; a JSON Schema per type in docs/schemas/events/). The event's own
 * members come from its stream entry, as of the event; the lead's snapshot
 * from its hash, as of the attempt, so a late delivery never carries stale
 * state and the entry's seq orders them.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "leadroute/jsonw.h"
#include "leadroute/util.h"

#include "engine/event_body.h"

/* Stream entry types and what subscribers call them. */
static const struct {
	const char	*stream;
	enum sub_event	 type;
} event_types[] = {
	{ "received", SUB_LEAD_RECEIVED },
	{ "assigned", SUB_LEAD_ASSIGNED },
	{ "queued", SUB_LEAD_QUEUED },
	{ "nurture", SUB_LEAD_NURTURED },
	{ "re_engaged", SUB_LEAD_RE_ENGAGED },
	{ "became_mql", SUB_LEAD_BECAME_MQL },
	{ "reassigned", SUB_LEAD_REASSIGNED },
	{ "touched", SUB_LEAD_TOUCHED },
	{ "accepted", SUB_LEAD_ACCEPTED },
	{ "rejected", SUB_LEAD_REJECTED },
	{ "stage", SUB_LEAD_STAGE_CHANGED },
	{ "erased", SUB_LEAD_ERASED },
	{ "reminded", SUB_SLA_REMINDER },
	{ "escalated", SUB_SLA_BREACHED },
	{ "escalation_level", SUB_ESCALATION_LEVEL },
	{ "escalation_acknowledged", SUB_ESCALATION_ACKNOWLEDGED },
	{ "escalation_resolved", SUB_ESCALATION_RESOLVED },
	{ "rep_status", SUB_REP_STATUS_CHANGED },
};

/* The lead's hash fields read, in this order, then clk:<name> per configured clock. */
enum {
	LF_STATUS, LF_OWNER, LF_OWNERS, LF_POOL, LF_RULE, LF_SCORE, LF_GRADE, LF_MQL,
	LF_BREAKDOWN, LF_FIELDS, LF_STAGE, LF_SOURCE, LF_SEQ, LF_TRACE, LF_ASSIGNED_AT, LF_CLOCKS
};
static const char *const lead_fields[LF_CLOCKS] = {
	"status", "owner", "owners", "pool", "rule", "score", "grade", "mql",
	"breakdown", "fields", "stage", "source", "seq", "trace", "assigned_at",
};

int
event_type_of(const char *stream_type)
{
	size_t i;

	for (i = 0; i < LR_NELEM(event_types); i++)
		if (strcmp(event_types[i].stream, stream_type) == 0)
			return (int)event_types[i].type;
	return -1;
}

int
event_has_snapshot(enum sub_event type)
{
	return type != SUB_LEAD_ERASED && type != SUB_REP_STATUS_CHANGED;
}

void
event_lead_fields(const struct conf *conf, struct store_args *a)
{
	size_t i;

	for (i = 0; i < LF_CLOCKS; i++)
		store_args_add(a, lead_fields[i]);
	for (i = 0; i < conf->sla.nclocks; i++) {
		char *f = xasprintf("clk:%s", conf->sla.clocks[i].name);

		store_args_add(a, f);
		free(f);
	}
}

/* One value of the snapshot; NULL when absent. */
static const char *
lead_str(const struct lead_snap *lead, size_t i)
{
	return lead != NULL && i < lead->n ? lead->vals[i] : NULL;
}


/* A field of the stream entry; NULL when absent. */
static const char *
entry_str(const json_t *entry, const char *field)
{
	return json_string_value(json_object_get(entry, field));
}

static int
in_list(char **list, const char *v)
{
	size_t i;

	if (list == NULL)
		return 1;
	for (i = 0; v != NULL && list[i] != NULL; i++)
		if (strcmp(list[i], v) == 0)
			return 1;
	return 0;
}

int
event_passes(const struct conf_subscription *s, const struct lead_snap *lead)
{
	if (lead == NULL)
		return 1;
	return in_list(s->pools, lead_str(lead, LF_POOL)) &&
	    in_list(s->sources, lead_str(lead, LF_SOURCE)) &&
	    in_list(s->grades, lead_str(lead, LF_GRADE));
}

/* A number as text ("12", "-3"); -1 when absent or not one. */
static int64_t
as_int(const char *s, int64_t def)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0')
		return def;
	v = strtoll(s, &end, 10);
	return *end == '\0' ? (int64_t)v : def;
}

/* A lead stored before sequence numbers has none (INT64_MAX): any snapshot of it will do. */
void
event_lead_snap_fill(struct lead_snap *snap, const redisReply *r)
{
	size_t i;

	snap->n = r != NULL && r->type == REDIS_REPLY_ARRAY ? r->elements : 0;
	snap->vals = xcalloc(snap->n ? snap->n : 1, sizeof(*snap->vals));
	for (i = 0; i < snap->n; i++)
		if (r->element[i]->type == REDIS_REPLY_STRING)
			snap->vals[i] = xstrndup(r->element[i]->str, r->element[i]->len);
	snap->exists = lead_str(snap, LF_STATUS) != NULL;
	snap->seq = snap->exists ? as_int(lead_str(snap, LF_SEQ), INT64_MAX) : INT64_MAX;
}

/* A string member of the lead's fields document; NULL when absent or not a string. */
static void
field_str(struct jsonw *w, const char *key, const json_t *fields, const char *name)
{
	jsonw_string(w, key, json_string_value(json_object_get(fields, name)));
}

/* The owner before the current one: the last of owners that is not owner. */
static char *
previous_owner(const char *owners, const char *owner)
{
	char *list, *tok, *save = NULL, *prev = NULL, *last = NULL;

	if (owners == NULL)
		return NULL;
	list = xstrdup(owners);
	for (tok = strtok_r(list, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		prev = last;
		last = tok;
	}
	/* owners ends with the current owner; else the lead has none now: the last one was it. */
	if (owner == NULL || last == NULL || strcmp(last, owner) != 0)
		prev = last;
	prev = prev != NULL ? xstrdup(prev) : NULL;
	free(list);
	return prev;
}

/* The running clocks: {name: {started_at, due_at}}. */
static void
write_clocks(struct jsonw *w, const struct conf *conf, const struct lead_snap *lead)
{
	size_t i;

	jsonw_begin_object(w, "clocks");
	for (i = 0; i < conf->sla.nclocks; i++) {
		const char *st = lead_str(lead, LF_CLOCKS + i);
		json_t *j = st != NULL ? json_loads(st, 0, NULL) : NULL;

		if (j != NULL && !json_is_number(json_object_get(j, "stopped_at")) &&
		    json_is_number(json_object_get(j, "due_at"))) {
			jsonw_begin_object(w, conf->sla.clocks[i].name);
			jsonw_time(w, "started_at",
			    (int64_t)json_number_value(json_object_get(j, "started_at")));
			jsonw_time(w, "due_at", (int64_t)json_number_value(json_object_get(j, "due_at")));
			jsonw_end_object(w);
		}
		json_decref(j);
	}
	jsonw_end_object(w);
}

/* A clock's due time from the lead's clock state; null when unknown. */
static void
write_clock_due(struct jsonw *w, const struct conf *conf, const struct lead_snap *lead,
    const char *clock)
{
	int64_t due = -1;
	size_t i;

	for (i = 0; clock != NULL && i < conf->sla.nclocks; i++) {
		const char *st;
		json_t *j;

		if (strcmp(conf->sla.clocks[i].name, clock) != 0 ||
		    (st = lead_str(lead, LF_CLOCKS + i)) == NULL ||
		    (j = json_loads(st, 0, NULL)) == NULL)
			continue;
		if (json_is_number(json_object_get(j, "due_at")))
			due = (int64_t)json_number_value(json_object_get(j, "due_at"));
		json_decref(j);
	}
	jsonw_time(w, "due_at", due);
}

/*
 * The lead as it is now, as JSON members (no braces): what every event of
 * it says the same, whoever it goes to, with or without contact details.
 */
static void
write_snapshot(struct jsonw *w, const struct conf *conf, const struct lead_snap *lead,
    int contact)
{
	const char *bd = lead_str(lead, LF_BREAKDOWN), *f = lead_str(lead, LF_FIELDS);
	json_t *fields = f != NULL ? json_loads(f, 0, NULL) : NULL;
	int64_t score = as_int(lead_str(lead, LF_SCORE), -1);
	const char *crm = json_string_value(json_object_get(fields, "crm_id"));

	/* A CRM id may come as a number (HubSpot's objectId): always a string here. */
	if (crm == NULL && json_is_integer(json_object_get(fields, "crm_id"))) {
		char num[24];

		snprintf(num, sizeof(num), "%lld",
		    (long long)json_integer_value(json_object_get(fields, "crm_id")));
		jsonw_string(w, "crm_id", num);
	} else {
		jsonw_string(w, "crm_id", crm);
	}
	jsonw_string(w, "source", lead_str(lead, LF_SOURCE));
	jsonw_string(w, "status", lead_str(lead, LF_STATUS));
	jsonw_string(w, "owner", lead_str(lead, LF_OWNER));
	jsonw_string(w, "pool", lead_str(lead, LF_POOL));
	jsonw_string(w, "rule", lead_str(lead, LF_RULE));
	if (score >= 0)
		jsonw_int(w, "score", score);
	else
		jsonw_null(w, "score");
	jsonw_string(w, "grade", lead_str(lead, LF_GRADE));
	jsonw_bool(w, "mql", as_int(lead_str(lead, LF_MQL), 0) == 1);
	if (bd != NULL && bd[0] == '[')
		jsonw_raw(w, "score_breakdown", bd, strlen(bd));
	else
		jsonw_raw(w, "score_breakdown", "[]", 2);
	write_clocks(w, conf, lead);
	jsonw_string(w, "stage", lead_str(lead, LF_STAGE));
	field_str(w, "event", fields, "event");
	field_str(w, "company", fields, "company");
	field_str(w, "title", fields, "title");
	field_str(w, "country", fields, "country");
	if (contact) {
		jsonw_begin_object(w, "contact");
		field_str(w, "email", fields, "email");
		field_str(w, "first_name", fields, "first_name");
		field_str(w, "last_name", fields, "last_name");
		field_str(w, "phone", fields, "phone");
		jsonw_end_object(w);
	}
	json_decref(fields);
}

/* The snapshot's members for bodies with (1) or without (0) contact details, built once. */
static void
snapshot_members(const struct conf *conf, struct lead_snap *lead, int contact,
    const char **text, size_t *len)
{
	if (lead->members[contact] == NULL) {
		struct jsonw w = { 0 };
		char *obj;
		size_t n;

		jsonw_begin_object(&w, NULL);
		write_snapshot(&w, conf, lead, contact);
		jsonw_end_object(&w);
		obj = jsonw_finish(&w, &n);
		/* "{…}" without its braces. */
		lead->members_len[contact] = n - 2;
		lead->members[contact] = xstrndup(obj + 1, n - 2);
		free(obj);
	}
	*text = lead->members[contact];
	*len = lead->members_len[contact];
}

void
event_lead_snap_clear(struct lead_snap *snap)
{
	size_t i;

	for (i = 0; i < snap->n; i++)
		free(snap->vals[i]);
	free(snap->vals);
	free(snap->members[0]);
	free(snap->members[1]);
	memset(snap, 0, sizeof(*snap));
}

/* An entry's "1" flag as a boolean. */
static void
entry_flag(struct jsonw *w, const char *key, const json_t *entry, const char *field)
{
	const char *v = entry_str(entry, field);

	jsonw_bool(w, key, v != NULL && strcmp(v, "1") == 0);
}

/* A member only when the entry has it. */
static void
entry_opt(struct jsonw *w, const char *key, const json_t *entry, const char *field)
{
	const char *v = entry_str(entry, field);

	if (v != NULL && *v != '\0')
		jsonw_string(w, key, v);
}

/* A member that is null where the entry has nothing ('' included: the scripts write it so). */
static void
entry_or_null(struct jsonw *w, const char *key, const json_t *entry, const char *field)
{
	const char *v = entry_str(entry, field);

	jsonw_string(w, key, v != NULL && *v != '\0' ? v : NULL);
}

/* A whole number of the entry; null when absent or not one. */
static void
entry_int_or_null(struct jsonw *w, const char *key, const json_t *entry, const char *field)
{
	int64_t v = as_int(entry_str(entry, field), INT64_MIN);

	if (v != INT64_MIN)
		jsonw_int(w, key, v);
	else
		jsonw_null(w, key);
}

/* A decimal number the scripts wrote (an amount): as a JSON number when it is one. */
static void
entry_number(struct jsonw *w, const char *key, const json_t *entry, const char *field)
{
	const char *v = entry_str(entry, field);
	char *end;

	if (v == NULL || *v == '\0')
		return;
	(void)strtod(v, &end);
	if (*end == '\0' && strspn(v, "-0123456789.eE+") == strlen(v))
		jsonw_raw(w, key, v, strlen(v));
}

/* What the event itself says, as of when it happened. */
static void
write_event_members(struct jsonw *w, const struct conf *conf, enum sub_event type,
    const json_t *entry, const struct lead_snap *lead)
{
	const char *v;

	switch (type) {
	case SUB_LEAD_ASSIGNED:
	case SUB_LEAD_REASSIGNED:
		jsonw_string(w, "rep", entry_str(entry, "rep"));
		if (type == SUB_LEAD_REASSIGNED)
			jsonw_string(w, "from", entry_str(entry, "from"));
		/* Only an owner changed by hand in the CRM says who: a write-back may skip it. */
		if ((v = entry_str(entry, "by")) != NULL && *v != '\0') {
			jsonw_string(w, "by", v);
			jsonw_string(w, "reason", entry_str(entry, "reason"));
		}
		break;
	case SUB_LEAD_RE_ENGAGED:
		/*
		 * The snapshot's event, source and score are the lead's (how it
		 * came in, its score now): what the person did this time is new_*.
		 */
		entry_or_null(w, "rep", entry, "rep");
		entry_or_null(w, "new_event", entry, "event");
		entry_or_null(w, "new_source", entry, "source");
		entry_int_or_null(w, "new_score", entry, "score");
		break;
	case SUB_LEAD_BECAME_MQL:
		entry_or_null(w, "rep", entry, "rep");
		entry_int_or_null(w, "new_score", entry, "score");
		break;
	case SUB_LEAD_TOUCHED:
		jsonw_string(w, "rep", entry_str(entry, "rep"));
		entry_flag(w, "first", entry, "first");
		entry_opt(w, "channel", entry, "channel");
		entry_opt(w, "outcome", entry, "outcome");
		break;
	case SUB_LEAD_ACCEPTED:
	case SUB_LEAD_REJECTED:
	case SUB_LEAD_STAGE_CHANGED:
		v = entry_str(entry, "from");
		jsonw_string(w, "from_stage", v != NULL && *v != '\0' ? v : NULL);
		jsonw_string(w, "to_stage", entry_str(entry, "to"));
		v = entry_str(entry, "by");
		jsonw_string(w, "by", v != NULL && *v != '\0' ? v : NULL);
		entry_flag(w, "closes", entry, "closes");
		entry_flag(w, "first_decision", entry, "first_decision");
		entry_opt(w, "reason", entry, "reason");
		entry_opt(w, "note", entry, "note");
		entry_number(w, "amount", entry, "amount");
		break;
	case SUB_SLA_REMINDER:
		jsonw_string(w, "clock", entry_str(entry, "clock"));
		write_clock_due(w, conf, lead, entry_str(entry, "clock"));
		break;
	case SUB_SLA_BREACHED:
		jsonw_string(w, "clock", entry_str(entry, "clock"));
		jsonw_string(w, "escalation", entry_str(entry, "escalation"));
		write_clock_due(w, conf, lead, entry_str(entry, "clock"));
		break;
	case SUB_ESCALATION_LEVEL:
		jsonw_string(w, "escalation", entry_str(entry, "escalation"));
		jsonw_int(w, "level", as_int(entry_str(entry, "level"), 1));
		break;
	case SUB_ESCALATION_ACKNOWLEDGED:
	case SUB_ESCALATION_RESOLVED:
		jsonw_string(w, "escalation", entry_str(entry, "escalation"));
		v = entry_str(entry, "by");
		jsonw_string(w, "by", v != NULL && *v != '\0' ? v : NULL);
		break;
	default:
		break;
	}
}

/* rep.status_changed: "ooo:<ms>" is out of office until then. */
static void
write_rep_status(struct jsonw *w, const json_t *entry)
{
	const char *status = entry_str(entry, "status"), *prev = entry_str(entry, "previous");
	char cur[16], was[16];
	int64_t until = -1;

	snprintf(cur, sizeof(cur), "%s", status != NULL ? status : "");
	snprintf(was, sizeof(was), "%s", prev != NULL ? prev : "");
	if (strncmp(cur, "ooo:", 4) == 0) {
		until = as_int(status + 4, -1);
		cur[3] = '\0';
	}
	if (strncmp(was, "ooo:", 4) == 0)
		was[3] = '\0';
	jsonw_string(w, "rep", entry_str(entry, "rep"));
	jsonw_string(w, "status", cur);
	jsonw_string(w, "previous", was);
	jsonw_time(w, "until", until);
	jsonw_string(w, "reason", entry_str(entry, "reason"));
}

char *
event_body(const struct conf *conf, const struct conf_subscription *s, enum sub_event type,
    const char *eid, const json_t *entry, struct lead_snap *lead, size_t *len)
{
	struct jsonw w = { 0 };
	int64_t at = as_int(entry_str(entry, "at"), -1);

	if (at < 0)
		at = strtoll(eid, NULL, 10);	/* a stream id starts with its time */
	jsonw_begin_object(&w, NULL);
	jsonw_string(&w, "type", sub_event_name(type));
	jsonw_time(&w, "timestamp", at);
	jsonw_begin_object(&w, "data");
	jsonw_string(&w, "event_id", eid);
	if (type == SUB_REP_STATUS_CHANGED) {
		write_rep_status(&w, entry);
	} else {
		jsonw_string(&w, "lead", entry_str(entry, "lead"));
		if (event_has_snapshot(type) && lead != NULL) {
			const char *from = entry_str(entry, "from"), *members;
			char *prev = from != NULL ? xstrdup(from) :
			    previous_owner(lead_str(lead, LF_OWNERS), lead_str(lead, LF_OWNER));
			size_t n;

			jsonw_int(&w, "seq", as_int(entry_str(entry, "seq"), 0));
			jsonw_string(&w, "previous_owner", prev);
			free(prev);
			snapshot_members(conf, lead, s->contact != 0, &members, &n);
			jsonw_raw_members(&w, members, n);
		}
		write_event_members(&w, conf, type, entry, lead);
	}
	jsonw_end_object(&w);
	jsonw_end_object(&w);
	return jsonw_finish(&w, len);
}

json_t *
event_lead_object(const struct conf *conf, struct lead_snap *lead)
{
	const char *members;
	size_t n;
	char *text;
	json_t *o;

	if (lead == NULL || !lead->exists)
		return json_object();
	snapshot_members(conf, lead, 1, &members, &n);
	text = xasprintf("{%.*s}", (int)n, members);
	o = json_loads(text, 0, NULL);
	free(text);
	return o != NULL ? o : json_object();
}

const char *
event_lead_trace(const struct lead_snap *lead)
{
	return lead_str(lead, LF_TRACE);
}

const char *
event_lead_owner(const struct lead_snap *lead)
{
	return lead_str(lead, LF_OWNER);
}

int64_t
event_lead_assigned_at(const struct lead_snap *lead)
{
	return as_int(lead_str(lead, LF_ASSIGNED_AT), -1);
}
