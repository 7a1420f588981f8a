/*
 * email_actions.c — the door an email's action links open (docs/api.md,
 * "Email action links"). GET /v1/integrations/email/action?token=T shows
 * what the link would do and changes nothing: mail scanners open links.
 * Only the page's POST acts, through the same lifecycle as the API
 * (engine/lifecycle.c), as the rep the link was signed for. The token is
 * the whole authorisation: its signature and expiry (core/actlink.c), and
 * its one use, since the action's idempotency key is derived from it
 * (core/actform.c). Every answer is a small HTML page that stands alone,
 * every outside value escaped, sent so that nothing caches, frames or
 * leaks it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "leadroute/actform.h"
#include "leadroute/actlink.h"
#include "leadroute/message.h"
#include "leadroute/ulid.h"
#include "leadroute/util.h"

#include "api/api.h"
#include "engine/lifecycle.h"
#include "io/log.h"
#include "io/metrics.h"
#include "io/store.h"
#include "io/sysutil.h"
#include "server.h"

#define EA_CSP	"default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; " \
		"frame-ancestors 'none'"
#define EA_STYLE "body{font-family:system-ui,sans-serif;max-width:36em;margin:2em auto;" \
		"padding:0 1em;line-height:1.4;color:#222}" \
		"th{text-align:left;padding-right:1em;vertical-align:top}" \
		".error{color:#a00;font-weight:bold}" \
		"select,textarea{width:100%;font:inherit}button{font:inherit;padding:.5em 1.2em}"
#define EA_NOTE_MAX	2000	/* what the lifecycle takes (engine/lifecycle.c) */

/* Append a string literal. */
#define PUT(b, lit)	buf_append((b), (lit), sizeof(lit) - 1)

/* One request to the door, from its token being checked to its answer. */
struct ea {
	struct http_request		*req;
	const struct conf		*conf;		/* the request's */
	struct actlink			 link;		/* what the token says */
	const struct actform_action	*act;
	const struct tz_zone		*zone;		/* the rep's, for times; NULL: UTC */
	char				*token;		/* verified: base64url and '.' only */
	struct actform			 form;		/* POST: what was posted */
	int				 status;	/* of the form page: 200, or 422 re-shown */
	char				*error;		/* the form's error when re-shown */
};

/* What became of a request, as logs and metrics name it. */
static const char *const ea_results[] = {
	[LIFECYCLE_DONE] = "done",
	[LIFECYCLE_REPLAYED] = "used",
	[LIFECYCLE_INVALID] = "invalid",
	[LIFECYCLE_NOT_FOUND] = "not_found",
	[LIFECYCLE_NO_OWNER] = "no_owner",
	[LIFECYCLE_NOT_OWNER] = "not_owner",
	[LIFECYCLE_CLOSED] = "closed",
	[LIFECYCLE_NO_STAGE] = "no_stage",
	[LIFECYCLE_STAGE_CONFLICT] = "stage_conflict",
	[LIFECYCLE_CADENCE] = "cadence",
	[LIFECYCLE_IDEM_CONFLICT] = "used",
	[LIFECYCLE_IDEM_REUSED] = "used",
	[LIFECYCLE_UNAVAILABLE] = "unavailable",
};

static void
ea_free(struct ea *ea)
{
	free(ea->token);
	free(ea->error);
	actform_clear(&ea->form);
	free(ea);
}

/* Append s with &, <, >, " and ' as character references. */
static void
html(struct buf *b, const char *s)
{
	const char *p, *run = s;

	for (p = s; *p != '\0'; p++) {
		const char *ent = *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : *p == '>' ? "&gt;" :
		    *p == '"' ? "&quot;" : *p == '\'' ? "&#39;" : NULL;

		if (ent == NULL)
			continue;
		buf_append(b, run, (size_t)(p - run));
		buf_append(b, ent, strlen(ent));
		run = p + 1;
	}
	buf_append(b, run, (size_t)(p - run));
}

/* s (a clause: "the link has expired") as a sentence with more after it; malloc'd. */
static char *
sentence(const char *s, const char *more)
{
	return xasprintf("%c%s.%s%s", *s >= 'a' && *s <= 'z' ? *s - 'a' + 'A' : *s,
	    *s != '\0' ? s + 1 : "", *more != '\0' ? " " : "", more);
}

/* A page's head and heading (title escaped). */
static void
page_open(struct buf *b, const char *title)
{
	PUT(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
	buf_appendf(b, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	    "<meta name=\"robots\" content=\"noindex, nofollow\"><title>");
	html(b, title);
	buf_appendf(b, "</title><style>%s</style></head>\n<body><main><h1>", EA_STYLE);
	html(b, title);
	PUT(b, "</h1>\n");
}

/* A paragraph of plain text (escaped); class may be NULL. */
static void
page_p(struct buf *b, const char *text, const char *class)
{
	buf_appendf(b, "<p%s%s%s>", class != NULL ? " class=\"" : "", class != NULL ? class : "",
	    class != NULL ? "\"" : "");
	html(b, text);
	PUT(b, "</p>\n");
}

/* Send the page b holds (taken over) with the headers every page of the door carries. */
static void
page_send(struct http_request *req, int status, struct buf *b)
{
	PUT(b, "</main></body></html>\n");
	http_response_header(req, "Referrer-Policy", "no-referrer");
	http_response_header(req, "X-Content-Type-Options", "nosniff");
	http_response_header(req, "Content-Security-Policy", EA_CSP);
	if (status == 503)
		http_response_header(req, "Retry-After", "1");
	http_respond_text(req, status, "text/html; charset=utf-8", b->data, b->len);
}

/* A page of a title and one sentence. */
static void
page_simple(struct http_request *req, int status, const char *title, const char *text)
{
	struct buf b = { NULL, 0, 0 };

	page_open(&b, title);
	if (text != NULL)
		page_p(&b, text, NULL);
	page_send(req, status, &b);
}

/* "Ben Okafor (ben)" for a configured rep with a name, else the id; malloc'd. */
static char *
who(const struct conf *conf, const char *id)
{
	const struct conf_rep *rep = id != NULL ? conf_find_rep(conf, id) : NULL;

	if (id == NULL)
		return xstrdup("someone");
	if (rep != NULL && rep->name != NULL && strcmp(rep->name, id) != 0)
		return xasprintf("%s (%s)", rep->name, id);
	return xstrdup(id);
}

/* A stage's name ("Sales accepted"), else its id. */
static const char *
stage_name(const struct conf *conf, const char *id)
{
	const struct conf_stage *st = id != NULL ? conf_find_stage(conf, id) : NULL;

	return st != NULL && st->name != NULL ? st->name : id != NULL ? id : "none";
}

/* The zone a rep works in (their calendar's); NULL: UTC, also for a rep the config lacks. */
static const struct tz_zone *
rep_zone(const struct conf *conf, const char *id)
{
	const struct conf_rep *rep = conf_find_rep(conf, id);

	return rep != NULL && rep->calendar != NULL ? rep->calendar->zone : NULL;
}

/* A time as its reader lives it ("Thu 3 Dec, 14:04 (UTC)"); malloc'd. */
static char *
when(const struct tz_zone *zone, int64_t ms)
{
	struct buf b = { NULL, 0, 0 };

	message_put_time(&b, ms, zone);
	return b.data;
}

/* A string member of the lead's fields, NULL when absent or empty. */
static const char *
field(const json_t *fields, const char *name)
{
	const char *s = json_string_value(json_object_get(fields, name));

	return s != NULL && *s != '\0' ? s : NULL;
}

/* One row of the lead's table; nothing when value is NULL. */
static void
row(struct buf *b, const char *label, const char *value)
{
	if (value == NULL)
		return;
	buf_appendf(b, "<tr><th>%s</th><td>", label);
	html(b, value);
	PUT(b, "</td></tr>\n");
}

/* Who the lead is, where it stands and whose it is, as a small table. */
static void
page_lead(struct buf *b, const struct ea *ea, const struct lead_view *v)
{
	json_t *f = v->fields != NULL ? json_loadb(v->fields, v->fields_len, 0, NULL) : NULL;
	const char *first = field(f, "first_name"), *last = field(f, "last_name");
	char *name = NULL, *owner = NULL;

	if (first != NULL && last != NULL)
		name = xasprintf("%s %s", first, last);
	else if (first != NULL || last != NULL)
		name = xstrdup(first != NULL ? first : last);
	PUT(b, "<table>\n");
	row(b, "Name", name);
	row(b, "Title", field(f, "title"));
	row(b, "Company", field(f, "company"));
	row(b, "Email", field(f, "email"));
	row(b, "Stage", v->stage != NULL ? stage_name(ea->conf, v->stage) : NULL);
	if (v->owner != NULL)
		row(b, "Owner", (owner = who(ea->conf, v->owner)));
	row(b, "Lead", v->id);
	PUT(b, "</table>\n");
	free(owner);
	free(name);
	json_decref(f);
}

/* The running clock due first in the lead's hash: its name and due time; 0: none runs. */
static int
first_due(const struct lead_view *v, char *name, size_t size, int64_t *due)
{
	size_t i;
	int found = 0;

	for (i = 0; v->hash != NULL && i + 1 < v->hash->elements; i += 2) {
		const redisReply *k = v->hash->element[i], *val = v->hash->element[i + 1];
		json_t *st;
		int64_t ms;

		if (k->str == NULL || strncmp(k->str, "clk:", 4) != 0 || val->str == NULL ||
		    (st = json_loadb(val->str, val->len, 0, NULL)) == NULL)
			continue;
		ms = (int64_t)json_number_value(json_object_get(st, "due_at"));
		if (!json_is_number(json_object_get(st, "stopped_at")) && ms > 0 &&
		    (!found || ms < *due)) {
			snprintf(name, size, "%s", k->str + 4);
			*due = ms;
			found = 1;
		}
		json_decref(st);
	}
	return found;
}

/* What a reason reads as: its label, else its code. */
static const char *
reason_label(const struct conf_reason *r)
{
	return r->label != NULL ? r->label : r->code;
}

/* The confirmation form: the token twice (address and field), the action's inputs, a button. */
static void
page_form(struct buf *b, const struct ea *ea)
{
	const struct conf_lifecycle *l = &ea->conf->lifecycle;
	const char *chosen = ea->form.reason;
	size_t i, need_note = 0;

	PUT(b, "<form method=\"post\" action=\"?token=");
	html(b, ea->token);
	PUT(b, "\">\n<input type=\"hidden\" name=\"token\" value=\"");
	html(b, ea->token);
	PUT(b, "\">\n");
	if (ea->act->kind == ACTFORM_REJECT) {
		buf_appendf(b, "<p><label for=\"reason\">Reason</label><br>"
		    "<select id=\"reason\" name=\"reason\" required>\n"
		    "<option value=\"\"%s>Choose a reason</option>\n",
		    chosen == NULL ? " selected" : "");
		for (i = 0; i < l->nreject; i++) {
			PUT(b, "<option value=\"");
			html(b, l->reject[i].code);
			buf_appendf(b, "\"%s>", chosen != NULL &&
			    strcmp(chosen, l->reject[i].code) == 0 ? " selected" : "");
			html(b, reason_label(&l->reject[i]));
			PUT(b, "</option>\n");
			need_note += l->reject[i].note_required != 0;
		}
		PUT(b, "</select></p>\n<p><label for=\"note\">Note</label>");
		/* Without scripts the page cannot follow the choice: it says which need one. */
		if (need_note > 0 && need_note < l->nreject) {
			const char *sep = " (required with: ";

			for (i = 0; i < l->nreject; i++) {
				if (!l->reject[i].note_required)
					continue;
				buf_appendf(b, "%s", sep);
				html(b, reason_label(&l->reject[i]));
				sep = "; ";
			}
			PUT(b, ")");
		}
		buf_appendf(b, "<br><textarea id=\"note\" name=\"note\" rows=\"3\" "
		    "maxlength=\"%d\"%s>", EA_NOTE_MAX, need_note > 0 && need_note == l->nreject ? " required" : "");
		if (ea->form.note != NULL)
			html(b, ea->form.note);
		PUT(b, "</textarea></p>\n");
	}
	PUT(b, "<p><button type=\"submit\">");
	html(b, ea->act->button);
	PUT(b, "</button></p>\n</form>\n");
}

/* The page a lead's owner is not the link's rep gets: 409, nothing to confirm. */
static void
page_not_yours(struct ea *ea, const char *owner, const char *status)
{
	char *text, *o;

	if (owner == NULL) {
		text = xasprintf("It has no owner yet (it is %s), so there is nothing to confirm.",
		    status != NULL ? status : "unassigned");
		page_simple(ea->req, 409, "This lead has no owner", text);
	} else {
		o = who(ea->conf, owner);
		text = xasprintf("This lead now belongs to %s", o);
		page_simple(ea->req, 409, text,
		    "The link was for its earlier owner. Nothing was changed.");
		free(o);
	}
	free(text);
}

/* The confirmation page: what the link does, to which lead, for whom, and the form. */
static void
page_confirm(struct ea *ea, const struct lead_view *v)
{
	struct buf b = { NULL, 0, 0 };
	char *rep = who(ea->conf, ea->link.rep), *text, *exp;

	page_open(&b, ea->act->title);
	if (ea->error != NULL)
		page_p(&b, ea->error, "error");
	exp = when(ea->zone, ea->link.expires_s * 1000);
	text = xasprintf("For %s. Nothing happens until you confirm. This link works until %s.",
	    rep, exp);
	page_p(&b, text, NULL);
	page_lead(&b, ea, v);
	page_form(&b, ea);
	page_send(ea->req, ea->status, &b);
	free(text);
	free(exp);
	free(rep);
}

static void
ea_on_lead(const struct store_reply *reply, void *arg)
{
	struct ea *ea = arg;
	struct lead_view v;

	if (reply->err != NULL) {
		page_simple(ea->req, 503, "Please try again in a moment",
		    "The lead could not be read just now; nothing was changed.");
	} else {
		lead_view_from_hash(&v, reply->raw);
		if (v.id == NULL)
			page_simple(ea->req, 404, "This lead no longer exists",
			    "It may have been erased or expired; nothing was changed.");
		else if (v.owner == NULL || strcmp(v.owner, ea->link.rep) != 0)
			page_not_yours(ea, v.owner, v.status);
		else
			page_confirm(ea, &v);
	}
	log_debug("email_action_page", "lead=%s rep=%s action=%s", ea->link.lead, ea->link.rep,
	    ea->link.action);
	ea_free(ea);
}

/* Read the lead and show the form (with ea->status and ea->error); answers in every case. */
static void
ea_show_form(struct ea *ea)
{
	struct server *srv = http_request_ctx(ea->req);
	struct store_args a = { 0 };

	if (!ulid_valid(ea->link.lead)) {
		page_simple(ea->req, 404, "This lead no longer exists", NULL);
		ea_free(ea);
		return;
	}
	store_args_add(&a, ea->link.lead);
	if (store_eval(srv->store, SCRIPT_LEAD_GET, sys_now_ms(), &a, ea_on_lead, ea) == -1) {
		page_simple(ea->req, 503, "Please try again in a moment",
		    "The lead could not be read just now; nothing was changed.");
		ea_free(ea);
	}
}

/* Log and count what became of a POST of link (never its token). */
static void
ea_record(const struct actlink *link, const char *result)
{
	metrics_inc_label(METRIC_LABEL_EMAIL_ACTIONS, result, 1);
	log_info("email_action", "lead=%s rep=%s action=%s result=%s", link->lead, link->rep,
	    link->action, result);
}

/* A POST refused before its link was read: logged and counted without lead or rep. */
static void
ea_record_refusal(const char *result, const char *why)
{
	char q[256];

	metrics_inc_label(METRIC_LABEL_EMAIL_ACTIONS, result, 1);
	log_info("email_action", "result=%s why=%s", result, log_quote(why, q, sizeof(q)));
}

/*
 * The link behind token, checked: the door open (links configured), a
 * signature that verifies, not expired, an action we know. The state of
 * the request, or NULL after answering 404, 400 or 410.
 */
static struct ea *
ea_open(struct http_request *req, const char *token, int post)
{
	const struct conf *conf = http_request_conf(req);
	const struct actform_action *act;
	struct actlink link;
	const char *why = NULL;
	struct ea *ea;
	char *text;

	if (actlink_verify_any((const unsigned char *const *)conf->notify.links.keys,
	    conf->notify.links.lens, conf->notify.links.nkeys, token, sys_now_ms() / 1000, &link,
	    &why) == -1) {
		/* Expired: the one failure that still says what the link was. */
		if (link.lead[0] != '\0') {
			char *exp = when(rep_zone(conf, link.rep), link.expires_s * 1000);

			text = xasprintf("It expired on %s. Nothing was changed: act on the lead "
			    "in your CRM, or ask for a new link.", exp);
			page_simple(req, 410, "This link has expired", text);
			if (post)
				ea_record(&link, "expired");
			free(exp);
		} else {
			text = sentence(why, "Nothing was changed.");
			page_simple(req, 400, "This link is not valid", text);
			if (post)
				ea_record_refusal("bad_link", why);
		}
		free(text);
		return NULL;
	}
	if ((act = actform_action(link.action)) == NULL) {
		page_simple(req, 400, "This link is not valid",
		    "It names an action this server does not know. Nothing was changed.");
		if (post)
			ea_record_refusal("bad_link", "unknown action");
		return NULL;
	}
	ea = xcalloc(1, sizeof(*ea));
	ea->req = req;
	ea->conf = conf;
	ea->link = link;
	ea->act = act;
	ea->zone = rep_zone(conf, link.rep);
	ea->token = xstrdup(token);
	ea->status = 200;
	return ea;
}

/* The door is closed without link keys: there are no links to open. */
static int
ea_door_open(struct http_request *req)
{
	if (http_request_conf(req)->notify.links.nkeys > 0)
		return 1;
	page_simple(req, 404, "Not found", "Email action links are not enabled on this server.");
	return 0;
}

/* GET: the confirmation page. Reads the lead; never changes anything. */
void
api_get_email_action(struct http_request *req)
{
	struct ea *ea;

	if (!ea_door_open(req) || (ea = ea_open(req, http_request_query(req, "token"), 0)) == NULL)
		return;
	ea_show_form(ea);
}

/* The sentence for a refused input, as a person reads it. */
static char *
ea_invalid_text(const struct lifecycle_outcome *o)
{
	if (o->field != NULL && strcmp(o->field, "reason") == 0)
		return xstrdup(o->missing ? "Choose a reason." :
		    "Choose one of the reasons listed.");
	if (o->field != NULL && strcmp(o->field, "note") == 0 && o->missing)
		return xstrdup("This reason needs a note: say why.");
	return sentence(o->message, "");
}

/* 200: what was done, and the lead as it now is. */
static void
page_done(struct ea *ea, const struct lifecycle_outcome *o)
{
	const struct lead_view *v = o->lead;
	const struct conf_reason *r;
	struct buf b = { NULL, 0, 0 };
	char clock[80], *text = NULL, *due = NULL, *p;
	int64_t due_ms = 0;

	page_open(&b, ea->act->done);
	if (first_due(v, clock, sizeof(clock), &due_ms)) {
		for (p = clock; *p != '\0'; p++)
			if (*p == '_')
				*p = ' ';
		due = when(ea->zone, due_ms);
	}
	switch (ea->act->kind) {
	case ACTFORM_ACCEPT:
		text = due != NULL ? xasprintf("The lead is yours: %s due %s.", clock, due) :
		    xstrdup("The lead is yours.");
		break;
	case ACTFORM_REJECT:
		r = conf_find_reason(ea->conf->lifecycle.reject, ea->conf->lifecycle.nreject,
		    ea->form.reason);
		text = xasprintf("Reason: %s. The lead moved to stage %s.",
		    r != NULL ? reason_label(r) : ea->form.reason,
		    stage_name(ea->conf, v->stage));
		break;
	case ACTFORM_TOUCH:
		text = xasprintf("%s%s%s%s%s%s",
		    o->first_touch ? "It was the lead's first touch." : "The touch is recorded.",
		    due != NULL ? " Next: " : "", due != NULL ? clock : "",
		    due != NULL ? " due " : "", due != NULL ? due : "", due != NULL ? "." : "");
		break;
	}
	page_p(&b, text, NULL);
	page_lead(&b, ea, v);
	page_send(ea->req, 200, &b);
	free(text);
	free(due);
}

/* 409: the lead's stage cannot take this move. */
static void
page_conflict(struct ea *ea, const struct lifecycle_outcome *o)
{
	const struct conf_stage *accept = ea->conf->lifecycle.accept;
	char *title, *text, *since = NULL, *by = NULL, *moved;
	int accepted = ea->act->kind == ACTFORM_ACCEPT && accept != NULL &&
	    strcmp(o->stage, accept->id) == 0;

	if (accepted)
		title = xstrdup("Already accepted");
	else
		title = xasprintf("Already in stage %s", stage_name(ea->conf, o->stage));
	if (o->stage_at >= 0)
		since = when(ea->zone, o->stage_at);
	if (o->stage_by != NULL)
		by = who(ea->conf, o->stage_by);
	moved = xasprintf("It has been in stage %s%s%s%s%s", stage_name(ea->conf, o->stage),
	    since != NULL ? " since " : "", since != NULL ? since : "",
	    by != NULL ? ", moved there by " : "", by != NULL ? by : "");
	if (accepted)
		text = xasprintf("%s. Nothing was changed.", moved);
	else
		text = xasprintf("%s, and cannot move to stage %s from there. Nothing was changed.",
		    moved, stage_name(ea->conf, o->to));
	free(moved);
	page_simple(ea->req, 409, title, text);
	free(title);
	free(text);
	free(since);
	free(by);
}

/* 409: this link did its action already; the lead as it now is. */
static void
page_used(struct ea *ea, const struct lead_view *v)
{
	struct buf b = { NULL, 0, 0 };

	page_open(&b, "This link was used already");
	page_p(&b, "Its action was done when it was first confirmed; nothing more was changed.",
	    NULL);
	if (v != NULL)
		page_lead(&b, ea, v);
	page_send(ea->req, 409, &b);
}

static void
ea_on_done(void *arg, const struct lifecycle_outcome *o)
{
	struct ea *ea = arg;
	char *text = NULL;

	ea_record(&ea->link, ea_results[o->status]);
	switch (o->status) {
	case LIFECYCLE_DONE:
		page_done(ea, o);
		break;
	case LIFECYCLE_REPLAYED:
	case LIFECYCLE_IDEM_CONFLICT:
	case LIFECYCLE_IDEM_REUSED:	/* posted again with another reason or note */
		page_used(ea, o->lead);
		break;
	case LIFECYCLE_INVALID:
		/* The form again, with what to fix: the lead is read for it. */
		ea->status = 422;
		ea->error = ea_invalid_text(o);
		ea_show_form(ea);
		return;
	case LIFECYCLE_NOT_FOUND:
		page_simple(ea->req, 404, "This lead no longer exists",
		    "It may have been erased or expired; nothing was changed.");
		break;
	case LIFECYCLE_NO_OWNER:
	case LIFECYCLE_NOT_OWNER:
		page_not_yours(ea, o->owner, o->lead_status);
		break;
	case LIFECYCLE_CLOSED:
		text = xasprintf("%s, so it takes no more touches. Nothing was changed.",
		    strcmp(o->lead_status, "nurture") == 0 ? "It went back to marketing nurture" :
		    "It is closed");
		page_simple(ea->req, 409, "This lead has left the sales process", text);
		break;
	case LIFECYCLE_NO_STAGE:
		page_simple(ea->req, 409, "This lead is in nurture",
		    "Its rule sent it to marketing nurture on arrival, so it has no stage to move "
		    "from. Nothing was changed.");
		break;
	case LIFECYCLE_STAGE_CONFLICT:
		page_conflict(ea, o);
		break;
	case LIFECYCLE_CADENCE:
		text = xasprintf("This reason needs the follow-up cadence done first: "
		    "%lld touches, the lead has %lld. Nothing was changed.", (long long)o->required,
		    (long long)o->touches);
		page_simple(ea->req, 409, "Not yet", text);
		break;
	case LIFECYCLE_UNAVAILABLE:
		page_simple(ea->req, 503, "Please try again in a moment",
		    "The action could not be recorded just now; nothing was changed.");
		break;
	}
	free(text);
	ea_free(ea);
}

/* POST: the confirmation, acted on as the link's rep. */
void
api_post_email_action(struct http_request *req)
{
	struct lifecycle_req lr = { 0 };
	char idem[ACTFORM_IDEM_LEN + 1];
	struct actform form;
	const char *body;
	struct ea *ea;
	size_t len;

	if (!ea_door_open(req))
		return;
	body = http_request_body(req, &len);
	if (actform_parse(http_request_header(req, "Content-Type"), body, len,
	    http_request_query(req, "token"), &form) == -1) {
		char *text = sentence(form.why, "Nothing was changed.");

		page_simple(req, 400, "This form could not be read", text);
		ea_record_refusal("bad_form", form.why);
		free(text);
		actform_clear(&form);
		return;
	}
	if ((ea = ea_open(req, form.token, 1)) == NULL) {
		actform_clear(&form);
		return;
	}
	ea->form = form;
	actform_idem_key(ea->token, idem);
	lr.lead = ea->link.lead;
	lr.rep = ea->link.rep;
	lr.idem = idem;
	switch (ea->act->kind) {
	case ACTFORM_ACCEPT:
		lr.action = LIFECYCLE_ACCEPT;
		lr.note = ea->form.note;
		break;
	case ACTFORM_REJECT:
		lr.action = LIFECYCLE_REJECT;
		lr.reason = ea->form.reason;
		lr.note = ea->form.note;
		break;
	case ACTFORM_TOUCH:
		lr.action = LIFECYCLE_TOUCH;
		lr.channel = ea->act->channel;
		break;
	}
	lifecycle_run(http_request_ctx(req), http_request_conf(req), &lr, ea_on_done, ea);
}
