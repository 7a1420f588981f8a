/* test_conf.c — config parsing, defaults, and every error with its line. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "leadroute/conf.h"
#include "leadroute/webform.h"

#include "check_suites.h"

#define MINIMAL_HEAD \
	"reps:\n" \
	"  - id: ana\n" \
	"  - id: ben\n" \
	"pools:\n" \
	"  - id: p1\n" \
	"    reps: [ana, ben]\n"

#define MINIMAL \
	"reps:\n" \
	"  - id: ana\n" \
	"  - id: ben\n" \
	"pools:\n" \
	"  - id: p1\n" \
	"    reps: [ana, ben]\n" \
	"rules:\n" \
	"  - name: default\n" \
	"    pool: p1\n"

/* Load text; return every diagnostic as printed, one per line (caller frees). */
static char *
load(const char *text, struct conf **out)
{
	struct conf_diags diags;
	char *printed = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&printed, &len);

	conf_load_string(text, strlen(text), "t.yaml", out, &diags);
	conf_diags_print(&diags, fp);
	fclose(fp);
	conf_diags_free(&diags);
	return printed;
}

static struct conf *
load_ok(const char *text)
{
	struct conf *c = NULL;
	char *printed = load(text, &c);

	ck_assert_msg(c != NULL, "config refused:\n%s", printed);
	ck_assert_str_eq(printed, "");
	free(printed);
	return c;
}

static void
load_fails(const char *text, const char *want)
{
	struct conf *c = (struct conf *)1;
	char *printed = load(text, &c);

	ck_assert_ptr_null(c);
	ck_assert_str_eq(printed, want);
	free(printed);
}

static const struct conf_rule *
rule_named(const struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nrules; i++)
		if (strcmp(c->rules[i].name, name) == 0)
			return &c->rules[i];
	ck_abort_msg("no rule %s", name);
	return NULL;
}

START_TEST(test_conf_rep_channels)
{
	struct conf *c = load_ok(
	    "notify:\n"
	    "  public_url: https://leads.example.com/\n"
	    "  slack: {bot_token: xoxb-1-2-abc, signing_secret: 8f742231b10e8888abcd99yyyzzz85a5,"
	    " api_url: 'http://127.0.0.1:9/api/'}\n"
	    "  email: {smtp_url: 'smtp://127.0.0.1:2525', from: 'Leads <l@example.com>'}\n"
	    "  links: {secrets: [0123456789abcdef0123456789abcdef], ttl: 2d}\n"
	    "  targets:\n"
	    "    - {id: room, slack: C0123ABCD}\n"
	    "    - {id: inbox, email: team@example.com}\n"
	    "reps:\n"
	    "  - {id: ana, slack_user: U0ANA, notify: slack}\n"
	    "  - {id: ben, email: ben@example.com, notify: email}\n"
	    "  - {id: cy}\n"
	    "pools:\n"
	    "  - {id: p1, reps: [ana, ben, cy], notify: room}\n"
	    "rules:\n"
	    "  - {name: d, pool: p1}\n");
	const struct conf_pool *p = conf_find_pool(c, "p1");
	const struct conf_notify_target *t;

	ck_assert_str_eq(c->notify.public_url, "https://leads.example.com");
	ck_assert_str_eq(c->notify.slack.api_url, "http://127.0.0.1:9/api");
	ck_assert_int_eq(c->notify.email.starttls, 2);
	ck_assert_int_eq(c->notify.links.nkeys, 1);
	ck_assert_int_eq(c->notify.links.ttl_ms, 2 * 86400 * 1000);
	t = conf_rep_target(c, conf_find_rep(c, "ana"), p);
	ck_assert_int_eq(t->channel, CHANNEL_SLACK);
	ck_assert_str_eq(t->to, "U0ANA");
	ck_assert_str_eq(t->id, "rep:ana");
	t = conf_rep_target(c, conf_find_rep(c, "ben"), p);
	ck_assert_int_eq(t->channel, CHANNEL_EMAIL);
	ck_assert_str_eq(t->to, "ben@example.com");
	/* A rep without a channel is told in the pool's. */
	t = conf_rep_target(c, conf_find_rep(c, "cy"), p);
	ck_assert_str_eq(t->id, "room");
	ck_assert_int_eq(conf_find_target(c, "inbox")->channel, CHANNEL_EMAIL);
	ck_assert_ptr_eq(conf_find_slack_user(c, "U0ANA"), conf_find_rep(c, "ana"));
	ck_assert_ptr_null(conf_find_slack_user(c, "U0BEN"));
	/* The built-in one tells owners of leads given to them, and of their people back. */
	ck_assert_uint_eq(conf_find_subscription(c, SUB_REPS_ID)->events,
	    (1u << SUB_LEAD_ASSIGNED) | (1u << SUB_LEAD_REASSIGNED) | (1u << SUB_LEAD_RE_ENGAGED));
	conf_unref(c);

	load_fails(
	    "notify:\n"
	    "  slack: {bot_token: nope}\n"
	    "  email: {smtp_url: 'http://x', from: x}\n"
	    "  links: {secrets: [short]}\n"
	    "  targets:\n"
	    "    - {id: a, slack: '#general'}\n"
	    "    - {id: b, email: 'not an address'}\n"
	    "    - {id: c, url: 'https://x.example', slack: C1}\n"
	    "reps:\n"
	    "  - {id: ana, notify: slack, slack_user: X1}\n"
	    "  - {id: ben, notify: email}\n"
	    "pools:\n"
	    "  - {id: p1, reps: [ana, ben]}\n"
	    "rules:\n"
	    "  - {name: d, pool: p1}\n",
	    "t.yaml:2: notify.slack.bot_token: expected a bot token (xoxb-…)\n"
	    "t.yaml:3: notify.email.smtp_url: expected smtp://host[:port] or smtps://host[:port], "
	    "got \"http://x\"\n"
	    "t.yaml:4: notify.links.secrets[0]: a link key needs 32 bytes or more "
	    "(openssl rand -base64 48)\n"
	    "t.yaml:6: notify.targets[0].slack: expected a Slack channel or user id (C0123ABCD, "
	    "U0123ABCD), got \"#general\"\n"
	    "t.yaml:7: notify.targets[1].email: expected an email address, got \"not an address\"\n"
	    "t.yaml:8: notify.targets[2]: use one of url, slack and email\n"
	    "t.yaml:10: reps[0].slack_user: expected a Slack user id (U0123ABCD), got \"X1\"\n"
	    "t.yaml:10: reps[0].notify: notify: slack needs the rep's slack_user and "
	    "notify.slack.bot_token\n"
	    "t.yaml:11: reps[1].notify: notify: email needs the rep's email and notify.email "
	    "(the SMTP server)\n");
}
END_TEST

START_TEST(test_conf_example_file_is_valid)
{
	struct conf_diags diags;
	struct conf *c = NULL;
	const struct conf_rule *r;

	ck_assert_int_eq(conf_load_file(SRCDIR "/conf/leadrouted.yaml", &c, &diags), 0);
	ck_assert_int_eq(diags.n, 0);	/* not even a warning */
	ck_assert_str_eq(c->listen.host, "127.0.0.1");
	ck_assert_int_eq(c->listen.port, 8080);
	ck_assert_str_eq(c->redis.host, "127.0.0.1");
	ck_assert_int_eq(c->redis.port, 6379);
	ck_assert_str_eq(c->redis.prefix, "lr");
	ck_assert_int_eq(conf_find_clock(c, "route")->duration_ms, 300000);
	ck_assert_int_eq(conf_find_clock(c, "first_touch")->duration_ms, 3600000);
	ck_assert_int_eq(c->nreps, 4);
	ck_assert_int_eq(c->npools, 2);
	ck_assert_int_eq(c->nterritories, 2);
	ck_assert_str_eq(c->rules[c->nrules - 1].name, "default");
	ck_assert_int_eq(c->rules[c->nrules - 1].when.nkids, 0);
	r = rule_named(c, "hot");
	ck_assert_int_eq(r->sla.ms[0], 30000);
	ck_assert_int_eq(r->ntargets, 3);
	ck_assert_int_eq(r->targets[0].kind, TARGET_ACCOUNT_OWNER);
	r = rule_named(c, "emea");
	ck_assert_int_eq(r->when.kids[0].op, COND_IN);
	ck_assert_str_eq(c->fields.names[r->when.kids[0].field], "country");
	ck_assert(rule_named(c, "cold")->nurture);
	ck_assert_ptr_eq(rule_named(c, "amer")->queue, &c->pools[1]);
	ck_assert_int_eq(c->scoring.nfit, 4);
	ck_assert_int_eq(c->scoring.ngrades, 4);
	ck_assert_str_eq(c->scoring.grades[0].name, "A");
	ck_assert_int_eq(c->sla.ngrades, 2);
	ck_assert_int_eq(c->pools[0].members[1].weight, 2);
	ck_assert_int_eq(c->naccounts, 1);
	ck_assert(c->leads.sticky_window_ms > 0);
	ck_assert_uint_eq(conf_find_source(c, "website")->ncors_origins, 2);
	ck_assert_str_eq(conf_find_source(c, "website")->honeypot, "website");
	conf_diags_free(&diags);
	conf_unref(c);
}
END_TEST

START_TEST(test_conf_defaults)
{
	struct conf *c = load_ok(MINIMAL);

	ck_assert_str_eq(c->listen.text, "127.0.0.1:8080");
	ck_assert_int_eq(c->http.max_body, 65536);
	ck_assert_int_eq(c->http.idle_timeout_ms, 30000);
	ck_assert_str_eq(c->redis.url, "redis://127.0.0.1:6379/0");
	ck_assert_int_eq(c->redis.timeout_ms, 2000);
	ck_assert_int_eq(c->sla.clocks[0].duration_ms, 300000);
	ck_assert_int_eq(c->leads.idempotency_window_ms, 7LL * 24 * 3600 * 1000);
	ck_assert_int_eq(c->log_level, CONF_LOG_INFO);
	ck_assert_str_eq(c->reps[0].name, "ana");	/* name defaults to id */
	ck_assert_int_eq(c->rules[0].when.nkids, 0);
	ck_assert_int_eq(strlen(c->version), 12);
	conf_unref(c);
}
END_TEST

START_TEST(test_conf_version_follows_content)
{
	struct conf *a = load_ok(MINIMAL), *b = load_ok(MINIMAL "log_level: warn\n");

	ck_assert_str_ne(a->version, b->version);
	ck_assert_int_eq(b->log_level, CONF_LOG_WARN);
	conf_unref(a);
	conf_unref(b);
}
END_TEST

START_TEST(test_conf_when_builds_a_condition_tree)
{
	struct conf *c = load_ok("reps: [{id: a}]\npools: [{id: p, reps: [a]}]\n"
	    "rules:\n  - name: de\n    when: {country: DE, source: [web, ads], employees: {gte: 10, lt: 20}}\n"
	    "    pool: p\n  - name: rest\n    pool: p\n");
	const struct cond *w = &c->rules[0].when;

	ck_assert_int_eq(w->op, COND_ALL);
	ck_assert_int_eq(w->nkids, 3);
	ck_assert_int_eq(w->kids[0].op, COND_IN);
	ck_assert_int_eq(w->kids[0].nvalues, 1);
	ck_assert_str_eq(w->kids[0].values[0].s, "DE");
	ck_assert_int_eq(w->kids[1].nvalues, 2);
	ck_assert_int_eq(w->kids[2].op, COND_RANGE);
	ck_assert(w->kids[2].lo_set && w->kids[2].lo_incl && w->kids[2].lo == 10);
	ck_assert(w->kids[2].hi_set && !w->kids[2].hi_incl && w->kids[2].hi == 20);
	conf_unref(c);
}
END_TEST

START_TEST(test_conf_condition_errors)
{
	load_fails(MINIMAL_HEAD "rules:\n  - {name: x, pool: p1, when: {employees: {gte: many}}}\n"
	    "  - {name: d, pool: p1}\n",
	    "t.yaml:8: rules[0].when.employees.gte: expected a number, got \"many\"\n");
	load_fails(MINIMAL_HEAD "rules:\n  - {name: x, pool: p1, when: {title: {like: vp}}}\n"
	    "  - {name: d, pool: p1}\n",
	    "t.yaml:8: rules[0].when.title.like: unknown operator \"like\": use eq, in, ieq, iin, "
	    "prefix, suffix, contains, gte, gt, lte, lt, exists or not\n");
	load_fails(MINIMAL_HEAD "rules:\n  - {name: x, pool: p1, when: {territory: mars}}\n"
	    "  - {name: d, pool: p1}\n",
	    "t.yaml:8: rules[0].when.territory: unknown territory \"mars\"\n");
	load_fails(MINIMAL_HEAD "rules:\n  - {name: x, pool: p1, when: {any: []}}\n"
	    "  - {name: d, pool: p1}\n",
	    "t.yaml:8: rules[0].when.any: expected a non-empty list of conditions\n");
	load_fails(MINIMAL_HEAD "rules:\n  - {name: x, pool: p1, when: {phone: {exists: maybe}}}\n"
	    "  - {name: d, pool: p1}\n",
	    "t.yaml:8: rules[0].when.phone.exists: expected true or false\n");
}
END_TEST

START_TEST(test_conf_territory_errors)
{
	load_fails(MINIMAL_HEAD "territories:\n  - {id: t}\nrules: [{name: d, pool: p1}]\n",
	    "t.yaml:8: territories[0]: a territory needs countries, states or postal_codes\n");
	load_fails(MINIMAL_HEAD "territories:\n  - {id: t, postal_codes: [\"200-10\"]}\n"
	    "rules: [{name: d, pool: p1}]\n",
	    "t.yaml:8: territories[0].postal_codes: bad range \"200-10\": two codes of the same "
	    "length, the lower first (as in 10000-14999)\n");
	load_fails(MINIMAL_HEAD "territories:\n  - {id: t, countries: [DE]}\n  - {id: t, countries: [FR]}\n"
	    "rules: [{name: d, pool: p1}]\n",
	    "t.yaml:9: territories[1]: duplicate territory id \"t\" (first on line 8)\n");
}
END_TEST

START_TEST(test_conf_weights_caps_and_calendars)
{
	struct conf *c = load_ok("calendars:\n  - {id: ber, timezone: Europe/Berlin, "
	    "hours: {mon-fri: \"09:00-18:00\"}}\n"
	    "reps:\n  - {id: ana, calendar: ber, max_open: 10, max_per_day: 30}\n  - {id: ben}\n"
	    "pools:\n  - {id: p, reps: [{id: ana, weight: 3}, ben], max_open: 50}\n"
	    "rules: [{name: d, pool: p}]\n");

	ck_assert_int_eq(c->ncalendars, 1);
	ck_assert_ptr_eq(c->reps[0].calendar, &c->calendars[0]);
	ck_assert_int_eq(c->reps[0].max_open, 10);
	ck_assert_int_eq(c->reps[0].max_per_day, 30);
	ck_assert_ptr_null(c->reps[1].calendar);
	ck_assert_int_eq(c->reps[1].max_open, 0);
	ck_assert_int_eq(c->pools[0].nmembers, 2);
	ck_assert_int_eq(c->pools[0].members[0].weight, 3);
	ck_assert_int_eq(c->pools[0].members[1].weight, 1);
	ck_assert_int_eq(c->pools[0].max_open, 50);
	conf_unref(c);
}
END_TEST

START_TEST(test_conf_rotation_errors)
{
	load_fails("reps: [{id: a, calendar: nowhere}]\npools: [{id: p, reps: [a]}]\n"
	    "rules: [{name: d, pool: p}]\n",
	    "t.yaml:1: reps[0].calendar: unknown calendar \"nowhere\"\n");
	load_fails("reps: [{id: a}]\npools: [{id: p, reps: [{id: a, weight: 0}]}]\n"
	    "rules: [{name: d, pool: p}]\n",
	    "t.yaml:2: pools[0].reps[0].weight: expected a whole number from 1 to 100\n");
	load_fails("reps: [{id: a, max_open: -1}]\npools: [{id: p, reps: [a]}]\n"
	    "rules: [{name: d, pool: p}]\n",
	    "t.yaml:1: reps[0].max_open: expected a whole number from 1 to 1000000\n");
	load_fails("calendars: [{id: c, timezone: Nowhere/Land}]\nreps: [{id: a}]\n"
	    "pools: [{id: p, reps: [a]}]\nrules: [{name: d, pool: p}]\n",
	    "t.yaml:1: calendars[0].timezone: unknown time zone \"Nowhere/Land\" "
	    "(/usr/share/zoneinfo/Nowhere/Land: No such file or directory)\n");
}
END_TEST

START_TEST(test_conf_actions)
{
	struct conf *c = load_ok("reps: [{id: a}, {id: b}]\npools: [{id: p, reps: [a]}, {id: q, reps: [b]}]\n"
	    "accounts: [{domain: acme.com, owner: b, name: Acme}]\n"
	    "rules:\n"
	    "  - {name: chain, when: {source: x}, route: [account_owner, {pool: q}, {rep: a}]}\n"
	    "  - {name: fixed, when: {source: y}, rep: b, queue: p}\n"
	    "  - {name: cold, when: {source: z}, nurture: true}\n"
	    "  - {name: d, pool: p}\n");

	ck_assert_int_eq(c->rules[0].ntargets, 3);
	ck_assert_int_eq(c->rules[0].targets[0].kind, TARGET_ACCOUNT_OWNER);
	ck_assert_int_eq(c->rules[0].targets[1].kind, TARGET_POOL);
	ck_assert_ptr_eq(c->rules[0].targets[1].pool, &c->pools[1]);
	ck_assert_int_eq(c->rules[0].targets[2].kind, TARGET_REP);
	ck_assert_ptr_eq(c->rules[0].queue, &c->pools[1]);	/* the first pool of the chain */
	ck_assert_ptr_eq(c->rules[1].targets[0].rep, &c->reps[1]);
	ck_assert_ptr_eq(c->rules[1].queue, &c->pools[0]);
	ck_assert(c->rules[2].nurture);
	ck_assert_int_eq(c->rules[2].ntargets, 0);
	ck_assert_int_eq(c->naccounts, 1);
	ck_assert_str_eq(c->accounts[0].domain, "acme.com");
	ck_assert_ptr_eq(c->accounts[0].owner, &c->reps[1]);
	conf_unref(c);
}
END_TEST

START_TEST(test_conf_account_errors)
{
	load_fails(MINIMAL "accounts: [{domain: Acme.COM, owner: ana}]\n",
	    "t.yaml:10: accounts[0].domain: bad domain \"Acme.COM\": a lower-case name such as acme.com\n");
	load_fails(MINIMAL "accounts: [{domain: acme.com, owner: zed}]\n",
	    "t.yaml:10: accounts[0].owner: unknown rep \"zed\"\n");
}
END_TEST

START_TEST(test_conf_redis_urls)
{
	struct conf *c;

	c = load_ok(MINIMAL "redis:\n  url: unix:///run/redis/redis.sock?db=3\n");
	ck_assert_str_eq(c->redis.unix_path, "/run/redis/redis.sock");
	ck_assert_ptr_null(c->redis.host);
	ck_assert_int_eq(c->redis.db, 3);
	conf_unref(c);
	c = load_ok(MINIMAL "redis:\n  url: redis://app:s3cret@10.0.0.5:6380/2\n");
	ck_assert_str_eq(c->redis.host, "10.0.0.5");
	ck_assert_int_eq(c->redis.port, 6380);
	ck_assert_int_eq(c->redis.db, 2);
	ck_assert_str_eq(c->redis.username, "app");
	ck_assert_str_eq(c->redis.password, "s3cret");
	conf_unref(c);
	c = load_ok(MINIMAL "redis:\n  url: redis://:pw@localhost\n");
	ck_assert_str_eq(c->redis.host, "127.0.0.1");
	ck_assert_int_eq(c->redis.port, 6379);
	ck_assert_ptr_null(c->redis.username);
	ck_assert_str_eq(c->redis.password, "pw");
	conf_unref(c);
}
END_TEST

START_TEST(test_conf_listen_forms)
{
	struct conf *c;

	c = load_ok(MINIMAL "listen: \"[::1]:9000\"\n");
	ck_assert_str_eq(c->listen.host, "::1");
	ck_assert_int_eq(c->listen.port, 9000);
	conf_unref(c);
	c = load_ok(MINIMAL "listen: \":0\"\nauth:\n  open: true\n");
	ck_assert_str_eq(c->listen.host, "0.0.0.0");
	ck_assert_int_eq(c->listen.port, 0);
	conf_unref(c);
}
END_TEST

START_TEST(test_conf_unknown_key)
{
	load_fails(MINIMAL "colour: blue\n", "t.yaml:10: colour: unknown key \"colour\"\n");
	load_fails(MINIMAL "sla:\n  grades: {}\n  frist_touch: 1h\n",
	    "t.yaml:12: sla.frist_touch: unknown key \"frist_touch\"\n");
	load_fails("reps:\n  - id: ana\n    nmae: Ana\npools: [{id: p, reps: [ana]}]\n"
	    "rules: [{name: d, pool: p}]\n", "t.yaml:3: reps[0]: unknown key \"nmae\"\n");
}
END_TEST

START_TEST(test_conf_unknown_rep_in_pool)
{
	load_fails("reps: [{id: ana}]\npools:\n  - id: p\n    reps:\n      - ana\n      - bob\n"
	    "rules: [{name: d, pool: p}]\n",
	    "t.yaml:6: pools[0].reps[1]: unknown rep \"bob\"\n");
}
END_TEST

START_TEST(test_conf_unknown_pool_in_rule)
{
	load_fails("reps: [{id: ana}]\npools: [{id: p, reps: [ana]}]\nrules:\n  - name: d\n"
	    "    pool: nowhere\n", "t.yaml:5: rules[0].pool: unknown pool \"nowhere\"\n");
}
END_TEST

START_TEST(test_conf_bad_durations)
{
	load_fails(MINIMAL "sla:\n  clocks: [{name: r, start: received, stop: assigned, duration: 5}]\n",
	    "t.yaml:11: sla.clocks[0].duration: bad duration \"5\": missing unit: write ms, s, m, h or d (as in 30s)\n");
	load_fails(MINIMAL "sla:\n  clocks: [{name: r, start: received, stop: assigned, duration: soon}]\n",
	    "t.yaml:11: sla.clocks[0].duration: bad duration \"soon\": expected a number, as in 250ms, 30s, 5m, 1h or 2d\n");
	load_fails(MINIMAL "sla:\n  clocks: [{name: r, start: received, stop: assigned, duration: 10ms}]\n",
	    "t.yaml:11: sla.clocks[0].duration: duration 10ms out of range: must be 100ms to 30d\n");
}
END_TEST

START_TEST(test_conf_duplicate_ids)
{
	load_fails("reps:\n  - id: ana\n  - id: ana\npools: [{id: p, reps: [ana]}]\n"
	    "rules: [{name: d, pool: p}]\n",
	    "t.yaml:3: reps[1]: duplicate rep id \"ana\" (first on line 2)\n");
	load_fails("reps: [{id: ana}]\npools:\n  - {id: p, reps: [ana]}\n  - {id: p, reps: [ana]}\n"
	    "rules: [{name: d, pool: p}]\n",
	    "t.yaml:4: pools[1]: duplicate pool id \"p\" (first on line 3)\n");
	load_fails("reps: [{id: ana}]\npools: [{id: p, reps: [ana]}]\nrules:\n"
	    "  - {name: d, pool: p, when: {country: DE}}\n  - {name: d, pool: p}\n",
	    "t.yaml:5: rules[1]: duplicate rule name \"d\" (first on line 4)\n");
	load_fails("reps: [{id: ana}]\npools: [{id: p, reps: [ana, ana]}]\nrules: [{name: d, pool: p}]\n",
	    "t.yaml:2: pools[0].reps[1]: rep \"ana\" is listed twice\n");
}
END_TEST

START_TEST(test_conf_requires_default_rule)
{
	load_fails("reps: [{id: ana}]\npools: [{id: p, reps: [ana]}]\nrules:\n"
	    "  - name: de\n    when: {country: DE}\n    pool: p\n",
	    "t.yaml:4: rules: no default rule: the last rule must have no \"when\", so every lead is routed\n");
}
END_TEST

static char *
load_warnings(const char *text)
{
	struct conf *c = NULL;
	char *printed = load(text, &c);

	ck_assert_ptr_nonnull(c);
	conf_unref(c);
	return printed;
}

START_TEST(test_conf_warns_about_rule_after_default)
{
	char *w = load_warnings(MINIMAL_HEAD "rules:\n  - name: all\n    pool: p1\n"
	    "  - name: late\n    pool: p1\n");

	ck_assert_str_eq(w, "t.yaml:10: warning: rules[1]: rule \"late\" comes after default rule "
	    "\"all\", which takes every lead: it is never reached\n");
	free(w);
	/* The last rule need not be the default: rules after it are only never reached. */
	w = load_warnings(MINIMAL_HEAD "rules:\n"
	    "  - {name: de, pool: p1, when: {country: DE}}\n"
	    "  - {name: default, pool: p1}\n"
	    "  - {name: fr, pool: p1, when: {country: FR}}\n"
	    "  - {name: us, pool: p1, when: {country: US}}\n");
	ck_assert_str_eq(w,
	    "t.yaml:10: warning: rules[2]: rule \"fr\" comes after default rule \"default\", "
	    "which takes every lead: it is never reached\n"
	    "t.yaml:11: warning: rules[3]: rule \"us\" comes after default rule \"default\", "
	    "which takes every lead: it is never reached\n");
	free(w);
}
END_TEST

START_TEST(test_conf_warns_about_shadowed_rule)
{
	char *w = load_warnings(MINIMAL_HEAD "territories: [{id: dach, countries: [DE, AT, CH]}]\n"
	    "rules:\n"
	    "  - {name: emea, pool: p1, when: {country: [DE, FR, GB]}}\n"
	    "  - {name: de-big, pool: p1, when: {country: DE, employees: {gte: 1000}}}\n"
	    "  - {name: mid, pool: p1, when: {employees: {gte: 100, lt: 500}}}\n"
	    "  - {name: mid2, pool: p1, when: {employees: {gte: 200, lte: 300}, source: web}}\n"
	    "  - {name: dach, pool: p1, when: {territory: dach}}\n"
	    "  - {name: dach2, pool: p1, when: {territory: dach, title: {contains: vp}}}\n"
	    "  - {name: us-or-fr, pool: p1, when: {any: [{country: FR}, {country: GB}]}}\n"
	    "  - {name: d, pool: p1}\n");

	ck_assert_str_eq(w,
	    "t.yaml:10: warning: rules[1]: rule \"de-big\" can never match: rule \"emea\" on line 9 "
	    "matches every lead it would\n"
	    "t.yaml:12: warning: rules[3]: rule \"mid2\" can never match: rule \"mid\" on line 11 "
	    "matches every lead it would\n"
	    "t.yaml:14: warning: rules[5]: rule \"dach2\" can never match: rule \"dach\" on line 13 "
	    "matches every lead it would\n"
	    "t.yaml:15: warning: rules[6]: rule \"us-or-fr\" can never match: rule \"emea\" on line 9 "
	    "matches every lead it would\n");
	free(w);
}
END_TEST

START_TEST(test_conf_warns_about_contradiction)
{
	char *w = load_warnings(MINIMAL_HEAD "rules:\n"
	    "  - {name: odd, pool: p1, when: {employees: {gte: 1000, lt: 100}}}\n"
	    "  - {name: d, pool: p1}\n");

	ck_assert_str_eq(w, "t.yaml:8: warning: rules[0]: rule \"odd\" can never match: its "
	    "conditions contradict each other\n");
	free(w);
}
END_TEST

START_TEST(test_conf_no_false_shadow_warnings)
{
	char *w = load_warnings(MINIMAL_HEAD "rules:\n"
	    "  - {name: de-big, pool: p1, when: {country: DE, employees: {gte: 1000}}}\n"
	    "  - {name: de, pool: p1, when: {country: DE}}\n"
	    "  - {name: not-us, pool: p1, when: {country: {not: US}}}\n"
	    "  - {name: us, pool: p1, when: {country: US}}\n"
	    "  - {name: d, pool: p1}\n");

	ck_assert_str_eq(w, "");
	free(w);
}
END_TEST

START_TEST(test_conf_warns_about_shadowing_through_territory)
{
	char *w = load_warnings(MINIMAL_HEAD
	    "territories:\n"
	    "  - {id: emea, countries: [DE, FR, GB, AT, CH]}\n"
	    "  - {id: dach, countries: [de, at, ch]}\n"
	    "  - {id: us-west, countries: [US], states: [CA, OR, WA]}\n"
	    "rules:\n"
	    "  - {name: emea, pool: p1, when: {territory: emea}}\n"
	    "  - {name: de, pool: p1, when: {country: DE}}\n"
	    "  - {name: dach, pool: p1, when: {territory: dach, employees: {gte: 10}}}\n"
	    "  - {name: ch, pool: p1, when: {country: {iin: [ch, gb]}}}\n"
	    "  - {name: de-jp, pool: p1, when: {country: [DE, JP]}}\n"
	    "  - {name: not-us, pool: p1, when: {country: {not: US}}}\n"
	    "  - {name: west, pool: p1, when: {territory: us-west}}\n"
	    "  - {name: ca, pool: p1, when: {country: US, state: CA}}\n"
	    "  - {name: us, pool: p1, when: {country: US}}\n"
	    "  - {name: or, pool: p1, when: {state: OR}}\n"
	    "  - {name: d, pool: p1}\n");

	ck_assert_str_eq(w,
	    "t.yaml:13: warning: rules[1]: rule \"de\" can never match: rule \"emea\" on line 12 "
	    "matches every lead it would, through territory \"emea\" (line 8)\n"
	    "t.yaml:14: warning: rules[2]: rule \"dach\" can never match: rule \"emea\" on line 12 "
	    "matches every lead it would, through territory \"emea\" (line 8)\n"
	    "t.yaml:15: warning: rules[3]: rule \"ch\" can never match: rule \"emea\" on line 12 "
	    "matches every lead it would, through territory \"emea\" (line 8)\n"
	    "t.yaml:19: warning: rules[7]: rule \"ca\" can never match: rule \"west\" on line 18 "
	    "matches every lead it would, through territory \"us-west\" (line 10)\n");
	free(w);
	/* Postal codes: a prefix inside the territory's range, in its country (a code
	 * shorter than the range's is outside it, so a shorter prefix is not inside). */
	w = load_warnings(MINIMAL_HEAD
	    "territories:\n"
	    "  - {id: berlin, countries: [DE], postal_codes: [\"10000-14999\"]}\n"
	    "rules:\n"
	    "  - {name: berlin, pool: p1, when: {territory: berlin}}\n"
	    "  - {name: mitte, pool: p1, when: {country: DE, postal_code: {prefix: \"10117\"}}}\n"
	    "  - {name: hh, pool: p1, when: {country: DE, postal_code: \"20095\"}}\n"
	    "  - {name: any-101, pool: p1, when: {postal_code: {prefix: \"101\"}}}\n"
	    "  - {name: short, pool: p1, when: {country: DE, postal_code: {prefix: \"1\"}}}\n"
	    "  - {name: d, pool: p1}\n");
	ck_assert_str_eq(w,
	    "t.yaml:11: warning: rules[1]: rule \"mitte\" can never match: rule \"berlin\" on line 10 "
	    "matches every lead it would, through territory \"berlin\" (line 8)\n");
	free(w);
	/*
	 * The territory is named only when the match went through it: not for the
	 * same territory, nor for a branch that was tried and did not hold. A
	 * territory inside a case-insensitive list of its countries is shadowed too.
	 */
	w = load_warnings(MINIMAL_HEAD
	    "territories:\n"
	    "  - {id: emea, countries: [DE, FR]}\n"
	    "  - {id: west, countries: [US], states: [CA, WA]}\n"
	    "  - {id: dach, countries: [DE, AT, CH]}\n"
	    "rules:\n"
	    "  - {name: a, pool: p1, when: {any: [{territory: emea, employees: {gte: 9}}, {country: FR}]}}\n"
	    "  - {name: fr, pool: p1, when: {country: FR}}\n"
	    "  - {name: w, pool: p1, when: {territory: west}}\n"
	    "  - {name: w2, pool: p1, when: {territory: west, title: {contains: vp}}}\n"
	    "  - {name: de, pool: p1, when: {country: {iin: [de, at, ch]}}}\n"
	    "  - {name: dach, pool: p1, when: {territory: dach}}\n"
	    "  - {name: d, pool: p1}\n");
	ck_assert_str_eq(w,
	    "t.yaml:13: warning: rules[1]: rule \"fr\" can never match: rule \"a\" on line 12 "
	    "matches every lead it would\n"
	    "t.yaml:15: warning: rules[3]: rule \"w2\" can never match: rule \"w\" on line 14 "
	    "matches every lead it would\n"
	    "t.yaml:17: warning: rules[5]: rule \"dach\" can never match: rule \"de\" on line 16 "
	    "matches every lead it would, through territory \"dach\" (line 10)\n");
	free(w);
}
END_TEST

START_TEST(test_conf_warns_about_unknown_field)
{
	char *w = load_warnings(MINIMAL_HEAD
	    "scoring:\n"
	    "  fit:\n"
	    "    - {name: vp, when: {titel: {contains: vp}}, points: 10}\n"
	    "sources:\n"
	    "  - {name: form, preset: webform, auth: none, cors_origins: ['https://www.example.com']}\n"
	    "  - {name: crm, auth: token, fields: {plan: /plan}, constants: {tier: gold}}\n"
	    "rules:\n"
	    "  - {name: a, pool: p1, when: {country: DE, email_domain: acme.com, score: {gte: 5}}}\n"
	    "  - {name: b, pool: p1, when: {message: {exists: true}, plan: pro, tier: gold, mql: true}}\n"
	    "  - {name: c, pool: p1, when: {contry: DE}}\n"
	    "  - {name: e, pool: p1, when: {any: [{employes: {gte: 5}}, {not: {indstry: x}}]}}\n"
	    "  - {name: f, pool: p1, when: {emp: 5}}\n"
	    "  - {name: g, pool: p1, when: {zodiac: leo}}\n"
	    "  - {name: h, pool: p1, when: {plna: pro, grade: A}}\n"
	    "  - {name: d, pool: p1}\n");

	ck_assert_str_eq(w,
	    "t.yaml:9: warning: scoring.fit[0].when.titel: no lead field \"titel\" is known (the "
	    "schema's or a source's): did you mean \"title\"?\n"
	    "t.yaml:16: warning: rules[2].when.contry: no lead field \"contry\" is known (the "
	    "schema's or a source's): did you mean \"country\"?\n"
	    "t.yaml:17: warning: rules[3].when.any[0].employes: no lead field \"employes\" is known "
	    "(the schema's or a source's): did you mean \"employees\"?\n"
	    "t.yaml:17: warning: rules[3].when.any[1].not.indstry: no lead field \"indstry\" is "
	    "known (the schema's or a source's): did you mean \"industry\"?\n"
	    "t.yaml:18: warning: rules[4].when.emp: no lead field \"emp\" is known (the schema's "
	    "or a source's): did you mean \"employees\"?\n"
	    "t.yaml:19: warning: rules[5].when.zodiac: no lead field \"zodiac\" is known (the "
	    "schema's or a source's)\n"
	    "t.yaml:20: warning: rules[6].when.plna: no lead field \"plna\" is known (the schema's "
	    "or a source's): did you mean \"plan\"?\n");
	free(w);
	/* A source's field is known only while the source maps it. */
	w = load_warnings(MINIMAL "  - {name: x, pool: p1, when: {plan: pro}}\n");
	ck_assert_str_eq(w,
	    "t.yaml:10: warning: rules[1]: rule \"x\" comes after default rule \"default\", "
	    "which takes every lead: it is never reached\n"
	    "t.yaml:10: warning: rules[1].when.plan: no lead field \"plan\" is known (the schema's "
	    "or a source's)\n");
	free(w);
}
END_TEST

START_TEST(test_conf_warns_about_comma_joined_values)
{
	char *w = load_warnings(MINIMAL_HEAD
	    "territories:\n"
	    "  - id: apac\n"
	    "    countries: JP, AU\n"
	    "  - {id: west, countries: [US], states: [CA, 'OR, WA']}\n"
	    "rules:\n"
	    "  - name: jp\n"
	    "    pool: p1\n"
	    "    when:\n"
	    "      country: JP, AU\n"
	    "      title:\n"
	    "        contains: vp,director\n"
	    "  - name: big\n"
	    "    pool: p1\n"
	    "    when:\n"
	    "      employees: 1,000\n"
	    "  - {name: acme, pool: p1, when: {company: 'Acme, Inc'}}\n"
	    "  - name: d\n"
	    "    pool: p1\n");

	ck_assert_str_eq(w,
	    "t.yaml:9: warning: territories[0].countries: \"JP, AU\" is one value with a comma: "
	    "for a list write [JP, AU]; quote it if the comma is meant\n"
	    "t.yaml:15: warning: rules[0].when.country: \"JP, AU\" is one value with a comma: "
	    "for a list write [JP, AU]; quote it if the comma is meant\n"
	    "t.yaml:17: warning: rules[0].when.title.contains: \"vp,director\" is one value with "
	    "a comma: for a list write [vp, director]; quote it if the comma is meant\n"
	    "t.yaml:21: warning: rules[1].when.employees: \"1,000\" is one value with a comma: "
	    "write a number without separators, as 1000\n");
	free(w);
	/* Where the value is checked, a comma-joined list is an error that says so. */
	load_fails(MINIMAL_HEAD
	    "territories: [{id: dach, countries: [DE]}, {id: nordics, countries: [SE]}]\n"
	    "sla:\n"
	    "  clocks:\n"
	    "    - name: route\n"
	    "      start: received\n"
	    "      stop: assigned, nurture\n"
	    "      duration: 5m\n"
	    "rules:\n"
	    "  - name: x\n"
	    "    pool: p1\n"
	    "    when:\n"
	    "      territory: dach, nordics\n"
	    "  - {name: d, pool: p1}\n",
	    "t.yaml:12: sla.clocks[0].stop: \"assigned, nurture\" is one value with a comma: for a "
	    "list write [assigned, nurture]\n"
	    "t.yaml:18: rules[0].when.territory: \"dach, nordics\" is one value with a comma: for "
	    "a list write [dach, nordics]\n");
}
END_TEST

START_TEST(test_conf_missing_sections)
{
	load_fails("listen: 127.0.0.1:8080\n",
	    "t.yaml:1: reps: missing required key \"reps\"\n"
	    "t.yaml:1: pools: missing required key \"pools\"\n"
	    "t.yaml:1: rules: missing required key \"rules\"\n");
}
END_TEST

START_TEST(test_conf_reports_every_error)
{
	load_fails("listen: nowhere\nreps:\n  - id: \"bad id\"\npools: [{id: p, reps: [ghost]}]\n"
	    "rules: [{name: d, pool: p}]\nnotify: {timeout: 1x}\n",
	    "t.yaml:1: listen: expected HOST:PORT, as in 127.0.0.1:8080, got \"nowhere\"\n"
	    "t.yaml:3: reps[0].id: bad id \"bad id\": use 1-64 of letters, digits, _ . -\n"
	    "t.yaml:4: pools[0].reps[0]: unknown rep \"ghost\"\n"
	    "t.yaml:6: notify.timeout: bad duration \"1x\": unknown unit: use ms, s, m, h or d\n");
}
END_TEST

START_TEST(test_conf_rejects_redis_hostname)
{
	load_fails(MINIMAL "redis:\n  url: redis://cache.internal:6379\n",
	    "t.yaml:11: redis.url: host \"cache.internal\" must be an IP address or localhost "
	    "(the daemon never blocks on DNS)\n");
	load_fails(MINIMAL "redis:\n  url: http://127.0.0.1\n",
	    "t.yaml:11: redis.url: expected redis://HOST:PORT/DB or unix:///PATH, got \"http://127.0.0.1\"\n");
}
END_TEST

START_TEST(test_conf_rejects_wrong_shapes)
{
	load_fails(MINIMAL "sla: 5m\n", "t.yaml:10: sla: expected a map, got a scalar\n");
	load_fails("reps: {ana: 1}\npools: [{id: p, reps: [ana]}]\nrules: [{name: d, pool: p}]\n",
	    "t.yaml:1: reps: expected a list of reps, got a map\n"
	    "t.yaml:2: pools[0].reps[0]: unknown rep \"ana\"\n");
	load_fails("reps: [{id: a}]\npools: [{id: p, reps: [a]}]\nrules:\n"
	    "  - {name: x, pool: p, when: {country: {eq: [DE, AT]}}}\n  - {name: d, pool: p}\n",
	    "t.yaml:4: rules[0].when.country.eq: eq takes one value; use in for a list\n");
	load_fails("- a\n- b\n", "t.yaml:1: expected a map of settings at the top\n");
}
END_TEST

START_TEST(test_conf_default_clocks)
{
	struct conf *c = load_ok(MINIMAL);

	ck_assert_uint_eq(c->sla.nclocks, 2);
	ck_assert_str_eq(c->sla.clocks[0].name, "route");
	ck_assert_str_eq(c->sla.clocks[0].start, "received");
	ck_assert_str_eq(c->sla.clocks[0].stop, "assigned,nurture");
	ck_assert_int_eq(c->sla.clocks[0].duration_ms, 5 * 60 * 1000);
	ck_assert_int_eq(c->sla.clocks[0].calendar_kind, CLOCK_WALL);
	ck_assert_str_eq(c->sla.clocks[1].name, "first_touch");
	ck_assert_int_eq(c->sla.clocks[1].duration_ms, 3600 * 1000);
	ck_assert_int_eq(c->sla.clocks[1].calendar_kind, CLOCK_OWNER);
	ck_assert_uint_eq(c->escalation.nlevels, 0);
	ck_assert_uint_eq(c->notify.attempts, 6);
	conf_unref(c);
}
END_TEST

#define SLA_CONF \
	"calendars:\n" \
	"  - {id: berlin, timezone: Europe/Berlin, hours: {mon-fri: \"09:00-18:00\"}}\n" \
	"notify:\n" \
	"  attempts: 3\n" \
	"  targets:\n" \
	"    - {id: hook, url: \"https://h.example/x\", secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw}\n" \
	"    - {id: chat, url: \"http://127.0.0.1:9/s\", format: slack}\n" \
	"people:\n" \
	"  - {id: maria, notify: chat}\n" \
	"  - {id: sam}\n" \
	"reps:\n" \
	"  - {id: ana, notify: hook, manager: maria}\n" \
	"  - {id: ben}\n" \
	"sla:\n" \
	"  clocks:\n" \
	"    - {name: route, start: received, stop: [assigned, nurture], duration: 5m}\n" \
	"    - {name: first_touch, start: assigned, stop: touched, duration: 1h, calendar: berlin,\n" \
	"       remind_before: 10m, auto_offline_after: 3}\n" \
	"    - {name: follow_up, start: touched, stop: assigned, duration: 2d, calendar: pool,\n" \
	"       remind_before: 1h, remind: [manager, webhook:hook]}\n" \
	"escalation:\n" \
	"  - {after: 0m, notify: [owner, manager]}\n" \
	"  - {after: 1h, notify: [director]}\n" \
	"pools:\n" \
	"  - id: p1\n" \
	"    reps: [ana, ben]\n" \
	"    calendar: berlin\n" \
	"    manager: sam\n" \
	"    director: maria\n" \
	"    sla: {first_touch: 45m}\n" \
	"    escalation:\n" \
	"      - {after: 15m, reassign: next_available, notify: [person:maria]}\n" \
	"rules:\n" \
	"  - name: default\n" \
	"    pool: p1\n" \
	"    sla: {route: 1m}\n"

START_TEST(test_conf_clocks_policies_and_targets)
{
	struct conf *c = load_ok(SLA_CONF);
	const struct conf_clock *ft = conf_find_clock(c, "first_touch");
	const struct conf_clock *fu = conf_find_clock(c, "follow_up");
	const struct conf_notify_target *t;
	const char *why;
	struct conf_sla sla;

	ck_assert_ptr_nonnull(ft);
	ck_assert_int_eq(ft->calendar_kind, CLOCK_NAMED);
	ck_assert_str_eq(ft->calendar->id, "berlin");
	ck_assert_int_eq(ft->remind_before_ms, 600000);
	ck_assert_uint_eq(ft->remind.n, 1);
	ck_assert_str_eq(ft->remind.v[0], "owner");	/* the default */
	ck_assert_uint_eq(ft->auto_offline_after, 3);
	ck_assert_int_eq(fu->calendar_kind, CLOCK_POOL);
	ck_assert_uint_eq(fu->remind.n, 2);
	ck_assert_str_eq(fu->remind.v[1], "webhook:hook");
	ck_assert_uint_eq(c->escalation.nlevels, 2);
	ck_assert_int_eq(c->escalation.levels[0].after_ms, 0);
	ck_assert_str_eq(c->escalation.levels[0].notify.v[1], "manager");
	ck_assert_int_eq(c->escalation.levels[1].after_ms, 3600000);
	ck_assert_uint_eq(c->pools[0].escalation.nlevels, 1);
	ck_assert_int_eq(c->pools[0].escalation.levels[0].reassign, 1);
	ck_assert_int_eq(c->pools[0].sla.ms[1], 45 * 60000);
	ck_assert_str_eq(c->pools[0].calendar->id, "berlin");
	/* A lead's own durations: the rule's, over nothing from grades here. */
	sla = conf_sla_for(c, &c->rules[0], NULL);
	ck_assert_int_eq(sla.ms[0], 60000);
	ck_assert_int_eq(sla.ms[1], 0);
	/* Targets: the secret decoded from whsec_ base64. */
	t = conf_find_target(c, "hook");
	ck_assert_uint_eq(t->secret_len, 24);
	ck_assert_int_eq(t->format, NOTIFY_FORMAT_JSON);
	ck_assert_int_eq(conf_find_target(c, "chat")->format, NOTIFY_FORMAT_SLACK);
	ck_assert_ptr_null(conf_find_target(c, "chat")->secret);
	ck_assert_uint_eq(c->notify.attempts, 3);
	/* Recipients: owner, the owner's manager over the pool's, the pool's director. */
	ck_assert_ptr_eq(conf_recipient_target(c, "owner", "ana", "p1", &why), t);
	ck_assert_ptr_eq(conf_recipient_target(c, "manager", "ana", "p1", &why),
	    conf_find_target(c, "chat"));
	ck_assert_ptr_null(conf_recipient_target(c, "manager", "ben", "p1", &why));
	ck_assert_str_eq(why, "that person has no notify target");	/* sam, the pool's */
	ck_assert_ptr_eq(conf_recipient_target(c, "director", "ben", "p1", &why),
	    conf_find_target(c, "chat"));
	ck_assert_ptr_null(conf_recipient_target(c, "owner", "ben", "p1", &why));
	ck_assert_str_eq(why, "the owner has no notify target");
	ck_assert_ptr_null(conf_recipient_target(c, "owner", "", "p1", &why));
	ck_assert_str_eq(why, "the lead has no owner");
	ck_assert_ptr_eq(conf_recipient_target(c, "webhook:hook", NULL, NULL, &why), t);
	conf_unref(c);
}
END_TEST

/* Without a lifecycle section: the playbooks' stages, moves, reasons and cadence. */
START_TEST(test_conf_lifecycle_defaults)
{
	struct conf *c = load_ok(MINIMAL);
	const struct conf_lifecycle *l = &c->lifecycle;
	const struct conf_stage *mql = conf_find_stage(c, "mql"), *lost = conf_find_stage(c, "lost");
	const struct conf_reason *r;

	ck_assert_uint_eq(l->nstages, 10);
	ck_assert_str_eq(l->initial->id, "mql");
	ck_assert_str_eq(l->accept->id, "sal");
	ck_assert(mql->entry && conf_find_stage(c, "pql")->entry && !conf_find_stage(c, "sal")->entry);
	ck_assert(conf_stage_allows(mql, "sal") && !conf_stage_allows(mql, "sql"));
	ck_assert_int_eq(lost->kind, STAGE_CLOSED);
	ck_assert_int_eq(lost->needs, STAGE_NEEDS_REASON);
	ck_assert_int_eq(conf_find_stage(c, "opportunity")->needs, STAGE_NEEDS_AMOUNT);
	ck_assert_int_eq(conf_find_stage(c, "recycled")->kind, STAGE_NURTURE);
	ck_assert_uint_eq(l->nfunnel, 5);
	ck_assert_str_eq(l->funnel[4]->id, "won");
	ck_assert_uint_eq(l->nreject, 8);
	r = conf_find_reason(l->reject, l->nreject, "wrong_company_size");
	ck_assert_str_eq(r->then->id, "disqualified");
	ck_assert(conf_find_reason(l->reject, l->nreject, "other")->note_required);
	ck_assert(conf_find_reason(l->lost, l->nlost, "unresponsive")->needs_cadence);
	ck_assert_uint_eq(l->cadence_touches, 6);
	ck_assert_int_eq(l->cadence_within_ms, 10LL * 86400 * 1000);
	ck_assert_uint_eq(l->nrequired, 3);
	ck_assert_int_eq(l->untouched_after_ms, 48LL * 3600 * 1000);
	ck_assert_str_eq(l->route_clock, "route");
	ck_assert_ptr_null(l->changelog_by);
	conf_unref(c);
}
END_TEST

/* Custom stages, reasons and clocks on stage moves. */
START_TEST(test_conf_lifecycle_custom)
{
	struct conf *c = load_ok(MINIMAL
	    "lifecycle:\n"
	    "  initial: new\n"
	    "  accept: working\n"
	    "  stages:\n"
	    "    - {id: new, definition: d, owner: marketing, entry: true, next: [working, dq]}\n"
	    "    - {id: working, definition: d, owner: sales, next: [deal, dq]}\n"
	    "    - {id: deal, definition: d, owner: sales, requires: [amount], next: [closed_won]}\n"
	    "    - {id: closed_won, definition: d, owner: sales, kind: closed}\n"
	    "    - {id: dq, definition: d, owner: sales, kind: nurture}\n"
	    "  funnel: [new, working, deal, closed_won]\n"
	    "  reject_reasons:\n"
	    "    - {code: nope, then: dq, note: required, cadence: true}\n"
	    "  cadence: {touches: 3, within: 5d}\n"
	    "changelog: {by: jane, why: simpler stages}\n"
	    "sla:\n"
	    "  clocks:\n"
	    "    - {name: demo, start: working, stop: [deal, rejected], duration: 2d}\n"
	    "scorecard:\n"
	    "  required_fields: [email, phone]\n"
	    "  untouched_after: 24h\n"
	    "  route_clock: demo\n");
	const struct conf_lifecycle *l = &c->lifecycle;

	ck_assert_uint_eq(l->nstages, 5);
	ck_assert_str_eq(l->accept->id, "working");
	ck_assert_uint_eq(l->nfunnel, 4);
	ck_assert_uint_eq(l->nreject, 1);
	ck_assert(l->reject[0].note_required && l->reject[0].needs_cadence);
	ck_assert_uint_eq(l->cadence_touches, 3);
	ck_assert_str_eq(l->changelog_why, "simpler stages");
	ck_assert_str_eq(c->sla.clocks[0].start, "working");
	ck_assert_str_eq(c->sla.clocks[0].stop, "deal,rejected");
	ck_assert_uint_eq(l->nrequired, 2);
	ck_assert_int_eq(l->untouched_after_ms, 24LL * 3600 * 1000);
	ck_assert_str_eq(l->route_clock, "demo");
	conf_unref(c);
}
END_TEST

/* Each lifecycle mistake on its own line. */
START_TEST(test_conf_lifecycle_errors)
{
	load_fails(MINIMAL
	    "lifecycle:\n"
	    "  stages:\n"
	    "    - {id: mql, definition: d, owner: m, entry: yes, next: [sal, ghost]}\n"
	    "    - {id: sal, owner: s, kind: done, requires: [money]}\n"
	    "    - {id: assigned, definition: d, owner: s}\n"
	    "    - {id: won, definition: d, owner: s, kind: closed, next: [mql]}\n"
	    "    - {id: mql, definition: d, owner: m}\n"
	    "  funnel: [mql]\n"
	    "  reject_reasons:\n"
	    "    - {code: a, then: sal}\n"
	    "    - {code: b}\n"
	    "    - {code: c, then: nowhere, note: maybe}\n"
	    "  lost_reasons:\n"
	    "    - {code: x, then: won}\n"
	    "  cadence: {touches: 0}\n"
	    "changelog: {by: jane}\n"
	    "scorecard:\n"
	    "  route_clock: lunch\n",
	    "t.yaml:11: lifecycle.initial: stage mql is not an entry stage (entry: true)\n"
	    "t.yaml:12: lifecycle.stages[0].entry: expected true or false, got \"yes\"\n"
	    "t.yaml:12: lifecycle.stages: stage mql: next names unknown stage \"ghost\"\n"
	    "t.yaml:13: lifecycle.stages[1]: missing \"definition\": say what being in stage sal means\n"
	    "t.yaml:13: lifecycle.stages[1].kind: unknown kind \"done\": use open, nurture or closed\n"
	    "t.yaml:13: lifecycle.stages[1]: unknown requirement \"money\": use amount or reason\n"
	    "t.yaml:14: lifecycle.stages[2]: \"assigned\" is a lead event and cannot name a stage\n"
	    "t.yaml:15: lifecycle.stages: stage won is closed, so final: it can have no next stages "
	    "(a returning contact arrives as a new lead)\n"
	    "t.yaml:16: lifecycle.stages[4]: duplicate stage \"mql\" (first on line 12)\n"
	    "t.yaml:17: lifecycle.funnel: expected at least two stages\n"
	    "t.yaml:19: lifecycle.reject_reasons[0].then: stage sal is open: a rejected lead goes to a "
	    "nurture or closed stage\n"
	    "t.yaml:20: lifecycle.reject_reasons[1]: missing \"then\": the stage a lead rejected for b "
	    "goes to\n"
	    "t.yaml:21: lifecycle.reject_reasons[2].then: unknown stage \"nowhere\"\n"
	    "t.yaml:21: lifecycle.reject_reasons[2].note: expected required or optional\n"
	    "t.yaml:23: lifecycle.lost_reasons[0]: unknown key \"then\"\n"
	    "t.yaml:24: lifecycle.cadence.touches: expected a whole number from 1 to 100\n"
	    "t.yaml:25: changelog: a changelog entry needs \"by\" and \"why\"\n"
	    "t.yaml:27: scorecard.route_clock: unknown clock \"lunch\"\n");
}
END_TEST

/* Each SLA mistake is reported on its own line. */
START_TEST(test_conf_sla_errors)
{
	struct conf *c = NULL;
	char *printed = load(
	    "notify:\n"
	    "  targets:\n"
	    "    - {id: a, url: \"ftp://x\"}\n"
	    "    - {id: b, url: \"https://x\", secret: whsec_short, format: xml}\n"
	    "reps:\n"
	    "  - {id: ana, notify: nope, manager: nobody}\n"
	    "sla:\n"
	    "  clocks:\n"
	    "    - {name: route, start: received, stop: received, duration: 5m}\n"
	    "    - {name: x, start: arrived, stop: touched, duration: 1h, calendar: moon}\n"
	    "    - {name: esc, start: received, stop: touched, duration: 1h}\n"
	    "    - {name: y, start: received, stop: touched, duration: 1h, remind: [owner]}\n"
	    "escalation:\n"
	    "  - {after: 1h, notify: [boss]}\n"
	    "  - {after: 0m, notify: [webhook:zz]}\n"
	    "  - {after: 2h}\n"
	    "  - {after: 3h, reassign: random}\n"
	    "pools:\n"
	    "  - {id: p1, reps: [ana], sla: {lunch: 1h}, director: ghost}\n"
	    "rules:\n"
	    "  - {name: d, pool: p1}\n", &c);

	ck_assert_ptr_null(c);
	/* Compared by hand: the expected text is too long for a Check message. */
	ck_assert_msg(strcmp(printed,
	    "t.yaml:3: notify.targets[0].url: expected an http:// or https:// URL, got \"ftp://x\"\n"
	    "t.yaml:4: notify.targets[1].format: unknown format \"xml\": use json or slack\n"
	    "t.yaml:4: notify.targets[1].secret: expected whsec_ and 16 to 64 bytes in base64\n"
	    "t.yaml:6: reps[0].notify: unknown notify target \"nope\" (targets come from notify.targets)\n"
	    "t.yaml:6: reps[0].manager: unknown person \"nobody\" (people are listed under people)\n"
	    "t.yaml:9: sla.clocks[0].stop: a clock cannot stop on the event that starts it (\"received\")\n"
	    "t.yaml:10: sla.clocks[1].start: unknown lead event \"arrived\": use received, queued, assigned, touched, "
	    "nurture, accepted, rejected or a lifecycle stage\n"
	    "t.yaml:10: sla.clocks[1].calendar: unknown calendar \"moon\": use none, owner, pool or a calendar id\n"
	    "t.yaml:11: sla.clocks[2]: \"esc\" cannot name a clock (esc and remind are reserved)\n"
	    "t.yaml:12: sla.clocks[3].remind: remind needs remind_before\n"
	    "t.yaml:14: escalation[0].notify[0]: unknown recipient \"boss\": use owner, manager, director, webhook:ID or person:ID\n"
	    "t.yaml:15: escalation[1].notify[0]: unknown notify target \"zz\" (targets come from notify.targets)\n"
	    "t.yaml:15: escalation[1]: levels must be in order: this one fires before the one above it\n"
	    "t.yaml:16: escalation[2]: a level needs notify, reassign or both\n"
	    "t.yaml:17: escalation[3].reassign: unknown reassignment \"random\": use next_available\n"
	    "t.yaml:19: pools[0].director: unknown person \"ghost\" (people are listed under people)\n"
	    "t.yaml:19: pools[0].sla.lunch: unknown clock \"lunch\" (clocks come from sla.clocks)\n") == 0,
	    "got:\n%.3000s", printed);
	free(printed);
}
END_TEST

/*
 * Found by fuzzing: a first level that is not a map used to be compared with
 * the level before it, which did not exist (a read before the array).
 */
START_TEST(test_conf_escalation_first_level_not_a_map)
{
	struct conf *c = NULL;
	char *printed = load(
	    "escalation:\n"
	    "  - 5m\n"
	    "  - after: 10m\n"
	    "    notify: [manager]\n", &c);

	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(printed, "t.yaml:2: escalation[0]: expected a map, got a scalar\n") != NULL,
	    "got:\n%s", printed);
	ck_assert_msg(strstr(printed, "levels must be in order") == NULL, "got:\n%s", printed);
	free(printed);
}
END_TEST

/* Subscriptions: every setting read, defaults where absent. */
START_TEST(test_conf_subscriptions)
{
	const struct conf_subscription *s;
	struct conf *c = load_ok(MINIMAL "subscriptions:\n"
	    "  - id: all\n"
	    "    url: https://h.example/all\n"
	    "    secrets: [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw]\n"
	    "    events: ['*']\n"
	    "  - id: some\n"
	    "    url: http://127.0.0.1:9/x\n"
	    "    secrets: [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, "
	    "whsec_c2Vjb25kLXNlY3JldC1mb3Itcm90YXRpb24hIQ==]\n"
	    "    events: [lead.assigned, sla.breached]\n"
	    "    pools: [p1]\n"
	    "    sources: [hubspot]\n"
	    "    grades: [A, B]\n"
	    "    contact: true\n"
	    "    max_in_flight: 2\n"
	    "    attempts: 3\n"
	    "    pause_after: 10m\n"
	    "  - id: people\n"
	    "    url: https://h.example/people\n"
	    "    secrets: [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw]\n"
	    "    events: [lead.re_engaged, lead.became_mql]\n");

	ck_assert_uint_eq(c->nsubs, 3);
	s = conf_find_subscription(c, "all");
	ck_assert_uint_eq(s->events, (1u << SUB_EVENT_COUNT) - 1);
	ck_assert_uint_eq(s->nsecrets, 1);
	ck_assert_ptr_null(s->pools);
	ck_assert_int_eq(s->contact, 0);
	ck_assert_uint_eq(s->max_in_flight, 16);
	ck_assert_uint_eq(s->attempts, 10);
	ck_assert_int_eq(s->pause_after_ms, 3600 * 1000);
	s = conf_find_subscription(c, "some");
	ck_assert_uint_eq(s->events, (1u << SUB_LEAD_ASSIGNED) | (1u << SUB_SLA_BREACHED));
	ck_assert_uint_eq(s->nsecrets, 2);
	ck_assert_uint_eq(s->secret_lens[1], 28);
	ck_assert_str_eq(s->pools[0], "p1");
	ck_assert_ptr_null(s->pools[1]);
	ck_assert_str_eq(s->sources[0], "hubspot");
	ck_assert_str_eq(s->grades[1], "B");
	ck_assert_int_eq(s->contact, 1);
	ck_assert_uint_eq(s->max_in_flight, 2);
	ck_assert_uint_eq(s->attempts, 3);
	ck_assert_int_eq(s->pause_after_ms, 600 * 1000);
	ck_assert_str_eq(sub_event_name(SUB_REP_STATUS_CHANGED), "rep.status_changed");
	ck_assert_int_eq(sub_event_find("lead.erased"), SUB_LEAD_ERASED);
	s = conf_find_subscription(c, "people");
	ck_assert_uint_eq(s->events, (1u << SUB_LEAD_RE_ENGAGED) | (1u << SUB_LEAD_BECAME_MQL));
	ck_assert_str_eq(sub_event_name(SUB_LEAD_RE_ENGAGED), "lead.re_engaged");
	ck_assert_str_eq(sub_event_name(SUB_LEAD_BECAME_MQL), "lead.became_mql");
	ck_assert_int_eq(sub_event_find("lead.bogus"), -1);
	conf_unref(c);
}
END_TEST

START_TEST(test_conf_subscription_errors)
{
	load_fails(MINIMAL "subscriptions:\n"
	    "  - id: a\n"
	    "    url: ftp://h.example/a\n"
	    "    secrets: [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw]\n"
	    "    events: [lead.assigned, lead.bogus]\n"
	    "  - id: b\n"
	    "    url: http://\n"
	    "    events: []\n"
	    "  - id: c\n"
	    "    url: https://h.example/c\n"
	    "    secrets: [x, y, z]\n"
	    "    events: ['*']\n"
	    "    pools: [nowhere]\n"
	    "    max_in_flight: 0\n"
	    "  - id: d\n"
	    "    url: https://h.example/d\n"
	    "    secrets: [whsec_short]\n"
	    "    events: ['*']\n"
	    "    colour: blue\n"
	    "  - id: a\n"
	    "    url: https://h.example/a2\n",
	    "t.yaml:12: subscriptions[0].url: expected an http:// or https:// URL, got \"ftp://h.example/a\"\n"
	    "t.yaml:14: subscriptions[0].events: unknown event type \"lead.bogus\" (docs/notifications.md lists them)\n"
	    "t.yaml:15: subscriptions[1]: missing \"secrets\": a list of one whsec_ key (two while rotating)\n"
	    "t.yaml:16: subscriptions[1].url: the URL \"http://\" has no host\n"
	    "t.yaml:17: subscriptions[1].events: expected a list of at least one event type\n"
	    "t.yaml:20: subscriptions[2].secrets: expected a list of one or two whsec_ keys\n"
	    "t.yaml:22: subscriptions[2].pools: unknown pool \"nowhere\"\n"
	    "t.yaml:23: subscriptions[2].max_in_flight: expected a whole number from 1 to 256\n"
	    "t.yaml:26: subscriptions[3].secrets[0]: expected whsec_ and 16 to 64 bytes in base64\n"
	    "t.yaml:28: subscriptions[3]: unknown key \"colour\"\n"
	    "t.yaml:29: subscriptions[4]: duplicate subscription id \"a\" (first on line 11)\n");
}
END_TEST

/* A HubSpot connector: its own settings, and the subscription it is delivered as. */
START_TEST(test_conf_crm)
{
	struct conf *c = load_ok(MINIMAL "crm:\n"
	    "  - id: hubspot\n"
	    "    type: hubspot\n"
	    "    token: pat-na1-abc\n"
	    "    owners: {ana: \"12345\", ben: 678}\n"
	    "    create_missing: true\n"
	    "    lead_status: {property: hs_lead_status, stages: {mql: NEW, sal: OPEN}}\n");
	const struct conf_subscription *s = conf_find_subscription(c, "hubspot");
	const struct conf_crm *crm = &c->crm[0];

	ck_assert_uint_eq(c->ncrm, 1);
	ck_assert_str_eq(crm->api_url, "https://api.hubapi.com");
	ck_assert_str_eq(crm->token, "pat-na1-abc");
	ck_assert_str_eq(conf_crm_owner(crm, "ana"), "12345");
	ck_assert_str_eq(conf_crm_owner(crm, "ben"), "678");
	ck_assert_ptr_null(conf_crm_owner(crm, "cy"));
	ck_assert_str_eq(conf_crm_stage(crm, "sal"), "OPEN");
	ck_assert_ptr_null(conf_crm_stage(crm, "sql"));
	ck_assert_int_eq(crm->create_missing, 1);
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_eq(s->crm, crm);
	ck_assert_uint_eq(s->events, (1u << SUB_LEAD_ASSIGNED) | (1u << SUB_LEAD_REASSIGNED) |
	    (1u << SUB_LEAD_ACCEPTED) | (1u << SUB_LEAD_REJECTED) | (1u << SUB_LEAD_STAGE_CHANGED));
	ck_assert_uint_eq(s->max_in_flight, 4);
	ck_assert_uint_eq(s->attempts, 10);
	conf_unref(c);

	/* Without a status, assignments only; the API's address without its last slash. */
	c = load_ok(MINIMAL "crm:\n"
	    "  - {id: hs, type: hubspot, token: t, owners: {ana: '1'}, api_url: 'http://127.0.0.1:9/'}\n");
	s = conf_find_subscription(c, "hs");
	ck_assert_str_eq(c->crm[0].api_url, "http://127.0.0.1:9");
	ck_assert_uint_eq(s->events, (1u << SUB_LEAD_ASSIGNED) | (1u << SUB_LEAD_REASSIGNED));
	conf_unref(c);

	/* Salesforce: its login URL, client, version and object. */
	c = load_ok(MINIMAL "crm:\n"
	    "  - id: sf\n"
	    "    type: salesforce\n"
	    "    login_url: https://acme.my.salesforce.com/\n"
	    "    client_id: 3MVG9abc\n"
	    "    client_secret: s3cret\n"
	    "    object: Contact\n"
	    "    owners: {ana: 005Dn000001AbCdIAK}\n"
	    "    lead_status: {field: Status, stages: {mql: Open}}\n");
	crm = &c->crm[0];
	ck_assert_int_eq(crm->kind, CRM_KIND_SALESFORCE);
	ck_assert_str_eq(crm->api_url, "https://acme.my.salesforce.com");
	ck_assert_str_eq(crm->client_id, "3MVG9abc");
	ck_assert_str_eq(crm->client_secret, "s3cret");
	ck_assert_str_eq(crm->api_version, "60.0");
	ck_assert_str_eq(crm->object, "Contact");
	ck_assert_int_eq(crm->token_ttl_ms, 3600 * 1000);
	ck_assert_str_eq(conf_crm_owner(crm, "ana"), "005Dn000001AbCdIAK");
	ck_assert_str_eq(conf_crm_stage(crm, "mql"), "Open");
	ck_assert_str_eq(crm->status_property, "Status");
	conf_unref(c);
}
END_TEST

START_TEST(test_conf_crm_errors)
{
	load_fails(MINIMAL "subscriptions:\n"
	    "  - id: taken\n"
	    "    url: https://h.example/a\n"
	    "    secrets: [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw]\n"
	    "    events: ['*']\n"
	    "crm:\n"
	    "  - id: hubspot\n"
	    "    type: zoho\n"
	    "    owners: {ana: \"12a\", zed: \"1\"}\n"
	    "    lead_status: {property: hs_lead_status}\n"
	    "  - id: taken\n"
	    "    type: hubspot\n"
	    "    token: \"pat with spaces\"\n"
	    "    owners: [ana]\n"
	    "    lead_status: {property: hs_lead_status, stages: {nowhere: X}}\n"
	    "    max_in_flight: 0\n"
	    "  - id: hubspot\n"
	    "    type: hubspot\n",
	    "t.yaml:16: crm[0]: missing \"token\": the private app's access token "
	    "(credential:NAME, file:PATH or the text)\n"
	    "t.yaml:17: crm[0].type: unknown CRM \"zoho\" (hubspot or salesforce)\n"
	    "t.yaml:18: crm[0].owners.ana: expected a HubSpot owner id (digits, as GET "
	    "/crm/v3/owners lists them), not \"12a\"\n"
	    "t.yaml:18: crm[0].owners.zed: unknown rep \"zed\"\n"
	    "t.yaml:19: crm[0].lead_status: missing \"stages\": a map of the lifecycle's "
	    "stages to the property's values\n"
	    "t.yaml:20: crm[1].id: the id \"taken\" is a subscription's already: choose another\n"
	    "t.yaml:22: crm[1].token: expected printable characters without spaces, at most 1024\n"
	    "t.yaml:23: crm[1].owners: expected a map of reps to their HubSpot owner ids\n"
	    "t.yaml:24: crm[1].lead_status.stages.nowhere: unknown stage \"nowhere\"\n"
	    "t.yaml:25: crm[1].max_in_flight: expected a whole number from 1 to 64\n"
	    "t.yaml:26: crm[2]: duplicate CRM connector id \"hubspot\" (first on line 16)\n");
	load_fails(MINIMAL "crm:\n"
	    "  - id: sf\n"
	    "    type: salesforce\n"
	    "    token: pat-x\n"
	    "    login_url: https://acme.my.salesforce.com\n"
	    "    client_secret: s3cret\n"
	    "    api_version: v60\n"
	    "    object: Opportunity\n"
	    "    owners: {ana: \"41629183\"}\n"
	    "    lead_status: {property: Status, stages: {mql: Open}}\n",
	    "t.yaml:11: crm[0]: missing \"client_id\": the connected app's consumer key "
	    "(credential:NAME, file:PATH or the text)\n"
	    "t.yaml:13: crm[0].token: a HubSpot connector's: Salesforce takes login_url, "
	    "client_id and client_secret\n"
	    "t.yaml:16: crm[0].api_version: expected a REST API version such as \"60.0\", not "
	    "\"v60\"\n"
	    "t.yaml:17: crm[0].object: expected Lead or Contact, not \"Opportunity\"\n"
	    "t.yaml:18: crm[0].owners.ana: expected a Salesforce user id (15 or 18 letters and "
	    "digits, 005…), not \"41629183\"\n"
	    "t.yaml:19: crm[0].lead_status: unknown key \"property\"\n"
	    "t.yaml:19: crm[0].lead_status: missing \"field\"\n");
}
END_TEST

/* A notify target's secret from secret_file, or as a reference (file:, credential:). */
START_TEST(test_conf_notify_secret_from_a_file)
{
	char path[] = "/tmp/lr-secret-XXXXXX", text[512];
	const struct conf_notify_target *t;
	struct conf *c;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	/* An editor's newline and spaces around the value are no part of it. */
	ck_assert_int_gt(write(fd, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw  \n", 41), 0);
	close(fd);
	snprintf(text, sizeof(text), MINIMAL "notify:\n  targets:\n"
	    "    - {id: a, url: \"https://h.example/a\", secret_file: %s}\n"
	    "    - {id: b, url: \"https://h.example/b\", secret: \"file:%s\"}\n", path, path);
	c = load_ok(text);
	t = conf_find_target(c, "a");
	ck_assert_uint_eq(t->secret_len, 24);
	ck_assert_mem_eq(t->secret, conf_find_target(c, "b")->secret, 24);
	conf_unref(c);
	unlink(path);
	unsetenv("CREDENTIALS_DIRECTORY");
	load_fails(MINIMAL "notify:\n  targets:\n"
	    "    - {id: a, url: \"https://h.example/a\", secret_file: /nonexistent/s}\n"
	    "    - {id: b, url: \"https://h.example/b\", secret: \"credential:hook\"}\n",
	    "t.yaml:12: notify.targets[0].secret_file: cannot read /nonexistent/s: "
	    "No such file or directory\n"
	    "t.yaml:13: notify.targets[1].secret: credential hook: CREDENTIALS_DIRECTORY is not "
	    "set (systemd sets it for LoadCredential=)\n");
}
END_TEST

START_TEST(test_conf_missing_file)
{
	struct conf_diags diags;
	struct conf *c = NULL;

	ck_assert_int_eq(conf_load_file("/nonexistent/leadrouted.yaml", &c, &diags), -1);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(diags.nerrors, 1);
	ck_assert_str_eq(diags.v[0].msg, "cannot open: No such file or directory");
	conf_diags_free(&diags);
}
END_TEST

START_TEST(test_conf_refcount_keeps_config_alive)
{
	struct conf *c = load_ok(MINIMAL);

	ck_assert_ptr_eq(conf_ref(c), c);
	conf_unref(c);
	ck_assert_str_eq(c->reps[0].id, "ana");	/* still alive: one reference left */
	conf_unref(c);
}
END_TEST

START_TEST(test_conf_edge_defaults)
{
	struct conf *c = load_ok(MINIMAL);

	ck_assert_uint_eq(c->http.max_connections_per_ip, 256);
	ck_assert_uint_eq(c->http.max_header_size, 8192);
	ck_assert_uint_eq(c->http.max_uri_length, 2048);
	ck_assert_uint_eq(c->http.max_in_flight, 4096);
	ck_assert_int_eq(c->http.request_timeout_ms, 60000);
	ck_assert_int_eq(c->leads.retention_ms, 400LL * 86400000);
	ck_assert_int_eq(c->pii.tombstone_ms, 30LL * 86400000);
	ck_assert_int_eq(c->pii.log_raw, 0);
	ck_assert_int_eq(c->auth.open, 1);	/* loopback, no tokens */
	ck_assert(c->auth.rate.per_sec == 100 && c->auth.rate.burst == 100);
	ck_assert_ptr_null(c->health_listen.text);
	ck_assert_ptr_null(c->tls.cert_pem);
	ck_assert_uint_eq(c->nsources, 0);
	conf_unref(c);
}
END_TEST

START_TEST(test_conf_edge_settings)
{
	struct conf *c = load_ok(MINIMAL
	    "health_listen: 127.0.0.1:9090\n"
	    "http:\n  max_header_size: 4KiB\n  request_timeout: 5s\n"
	    "auth:\n  open: true\n  rate_limit: 600/m\n"
	    "pii:\n  log_raw: true\n  tombstone_ttl: 7d\n  hash_key: 0123456789abcdef0123\n"
	    "leads:\n  retention: 90d\n");

	ck_assert_str_eq(c->health_listen.host, "127.0.0.1");
	ck_assert_int_eq(c->health_listen.port, 9090);
	ck_assert_uint_eq(c->http.max_header_size, 4096);
	ck_assert_int_eq(c->http.request_timeout_ms, 5000);
	ck_assert(c->auth.rate.per_sec == 10 && c->auth.rate.burst == 600);
	ck_assert_int_eq(c->pii.log_raw, 1);
	ck_assert_int_eq(c->pii.tombstone_ms, 7LL * 86400000);
	ck_assert_uint_eq(c->pii.hash_key_len, 20);
	ck_assert_int_eq(c->leads.retention_ms, 90LL * 86400000);
	conf_unref(c);
}
END_TEST

START_TEST(test_conf_edge_errors)
{
	load_fails(MINIMAL "auth:\n  rate_limit: fast\n",
	    "t.yaml:11: auth.rate_limit: expected a rate such as 100/s, 600/m or 1000/h "
	    "(1 to 1000000), or off; got \"fast\"\n");
	load_fails(MINIMAL "tls:\n  cert: /nonexistent/cert.pem\n",
	    "t.yaml:11: tls: tls needs both cert and key (PEM files)\n");
	load_fails(MINIMAL "pii:\n  hash_key: short\n",
	    "t.yaml:11: pii.hash_key: the key must be at least 16 bytes\n");
	load_fails(MINIMAL "pii:\n  hash_key: credential:k\n",
	    "t.yaml:11: pii.hash_key: credential k: CREDENTIALS_DIRECTORY is not set "
	    "(systemd sets it for LoadCredential=)\n");
	load_fails(MINIMAL "auth:\n  tokens: /etc/tokens\n",
	    "t.yaml:11: auth.tokens: tokens must come from a file (file:PATH) or a systemd "
	    "credential (credential:NAME)\n");
}
END_TEST

START_TEST(test_conf_source_web_forms)
{
	struct conf *c = load_ok(MINIMAL
	    "http:\n  trusted_proxies: [127.0.0.1, 10.0.0.0/8, \"::1\"]\n"
	    "sources:\n"
	    "  - name: site\n"
	    "    preset: webform\n"
	    "    auth: none\n"
	    "    cors_origins: [HTTPS://WWW.Example.COM:443, \"http://localhost:3000\",\n"
	    "        \"https://[::1]:8443\", \"http://127.0.0.1:80\"]\n"
	    "    redirect: https://www.example.com/thanks\n"
	    "    error_redirect: https://www.example.com/contact?form=demo#form\n"
	    "    redirect_allowed: [https://www.example.com/thanks/, \"http://localhost:3000/ok\"]\n"
	    "    honeypot: website\n"
	    "  - name: quiet\n"
	    "    preset: webform\n"
	    "    auth: none\n"
	    "    cors_origins: [https://www.example.com]\n"
	    "    rate_limit_per_ip: off\n"
	    "  - name: app\n"
	    "    preset: generic\n"
	    "    auth: token\n"
	    "    cors_origins: [https://app.example.com]\n"
	    "    rate_limit_per_ip: 10/m\n");
	const struct conf_source *s = conf_find_source(c, "site");

	ck_assert_uint_eq(c->http.trusted_nproxies, 3);
	ck_assert(webform_in_net("10.1.2.3", &c->http.trusted_proxies[1]));
	ck_assert(!webform_in_net("11.1.2.3", &c->http.trusted_proxies[1]));
	ck_assert(webform_in_net("::1", &c->http.trusted_proxies[2]));
	ck_assert_int_eq(s->public_form, 1);
	ck_assert_uint_eq(s->ncors_origins, 4);
	/* As browsers send Origin: lower case, no default port. */
	ck_assert_str_eq(s->cors_origins[0], "https://www.example.com");
	ck_assert_str_eq(s->cors_origins[1], "http://localhost:3000");
	ck_assert_str_eq(s->cors_origins[2], "https://[::1]:8443");
	ck_assert_str_eq(s->cors_origins[3], "http://127.0.0.1");
	ck_assert_str_eq(s->redirect, "https://www.example.com/thanks");
	ck_assert_str_eq(s->error_redirect, "https://www.example.com/contact?form=demo#form");
	ck_assert_uint_eq(s->nredirect_allowed, 2);
	ck_assert_str_eq(s->redirect_allowed[1], "http://localhost:3000/ok");
	ck_assert_str_eq(s->honeypot, "website");
	/* A public form is limited per client address unless told otherwise: 30/h. */
	ck_assert(s->rate_per_ip.burst == 30 && s->rate_per_ip.per_sec == 30.0 / 3600);
	s = conf_find_source(c, "quiet");
	ck_assert(s->rate_per_ip.per_sec == 0);
	ck_assert_ptr_null(s->redirect);
	ck_assert_ptr_null(s->honeypot);
	s = conf_find_source(c, "app");
	ck_assert_int_eq(s->public_form, 0);
	ck_assert(s->rate_per_ip.burst == 10);
	conf_unref(c);
	/* Not public, nothing said: no limit per address. */
	c = load_ok(MINIMAL "sources:\n  - {name: app, preset: generic, auth: token}\n");
	ck_assert(c->sources[0].rate_per_ip.per_sec == 0);
	ck_assert_uint_eq(c->http.trusted_nproxies, 0);
	conf_unref(c);
}
END_TEST

#define CRM_SOURCE MINIMAL "sources:\n  - name: crm\n    preset: hubspot_activity\n    auth: token\n"

/* An activity source's owners: CRM owner ids of configured reps, each once. */
START_TEST(test_conf_source_owners)
{
	struct conf *c = load_ok(CRM_SOURCE "    owners: {ana: \"70001\", ben: 70002}\n");
	const struct conf_source *s = conf_find_source(c, "crm");

	ck_assert_uint_eq(s->nowners, 2);
	ck_assert_str_eq(conf_source_rep(s, "70001"), "ana");
	ck_assert_str_eq(conf_source_rep(s, "70002"), "ben");
	ck_assert_ptr_null(conf_source_rep(s, "70003"));
	ck_assert_ptr_null(conf_source_rep(s, NULL));
	conf_unref(c);
	load_fails(CRM_SOURCE "    owners: {zed: \"70001\"}\n",
	    "t.yaml:14: sources[0]: owners: zed is not a configured rep\n");
	load_fails(CRM_SOURCE "    owners: {ana: \"70001\", ben: \"70001\"}\n",
	    "t.yaml:14: sources[0]: owners.ben: owner id 70001 is ana's already\n");
	load_fails(CRM_SOURCE "    owners: [ana]\n",
	    "t.yaml:14: sources[0]: owners: expected a map of rep: CRM owner id\n");
	load_fails(MINIMAL "sources:\n  - {name: app, preset: generic, auth: token, "
	    "owners: {ana: \"1\"}}\n",
	    "t.yaml:11: sources[0]: owners: only an activity source (kind: activity) maps CRM "
	    "owners to reps\n");
}
END_TEST

#define WEB_SOURCE MINIMAL "sources:\n  - name: site\n    preset: webform\n    auth: none\n"

START_TEST(test_conf_source_web_form_errors)
{
	struct conf *c = NULL;
	char *printed;

	load_fails(WEB_SOURCE "    cors_origins: [https://www.example.com/]\n",
	    "t.yaml:14: sources[0].cors_origins[0]: \"https://www.example.com/\": an origin is "
	    "scheme://host[:port], without a path, not even \"/\"\n");
	load_fails(WEB_SOURCE "    cors_origins: [\"*\"]\n",
	    "t.yaml:14: sources[0].cors_origins[0]: \"*\": list each origin itself: \"*\" and "
	    "\"null\" are not allowed\n");
	load_fails(WEB_SOURCE "    cors_origins: [\"http://www.example.com\"]\n",
	    "t.yaml:14: sources[0].cors_origins[0]: \"http://www.example.com\": an origin must be "
	    "https:// (http:// only for localhost, 127.0.0.1 or [::1])\n");
	load_fails(WEB_SOURCE "    cors_origins: [\"https://www.example.com:99999\"]\n",
	    "t.yaml:14: sources[0].cors_origins[0]: \"https://www.example.com:99999\": its port "
	    "is not a number from 1 to 65535\n");
	load_fails(WEB_SOURCE "    cors_origins: [https://a.example.com, HTTPS://A.example.com]\n",
	    "t.yaml:14: sources[0].cors_origins[1]: \"HTTPS://A.example.com\" is listed twice\n");
	load_fails(WEB_SOURCE "    cors_origins: https://www.example.com\n",
	    "t.yaml:14: sources[0].cors_origins: expected a list of 1 to 64 addresses\n");
	load_fails(WEB_SOURCE "    cors_origins: [https://www.example.com]\n"
	    "    redirect: \"http://www.example.com/thanks\"\n",
	    "t.yaml:15: sources[0].redirect: \"http://www.example.com/thanks\": the address must "
	    "be https:// (http:// only for localhost, 127.0.0.1 or [::1])\n");
	load_fails(WEB_SOURCE "    cors_origins: [https://www.example.com]\n"
	    "    redirect: /thanks\n",
	    "t.yaml:15: sources[0].redirect: \"/thanks\": the address must start with https:// "
	    "(or http://localhost)\n");
	load_fails(WEB_SOURCE "    cors_origins: [https://www.example.com]\n"
	    "    error_redirect: \"https://www.example.com/oops page\"\n",
	    "t.yaml:15: sources[0].error_redirect: \"https://www.example.com/oops page\": the "
	    "address may hold only printable ASCII, without spaces or '\\' (escape others with "
	    "%XX)\n");
	load_fails(WEB_SOURCE "    cors_origins: [https://www.example.com]\n"
	    "    redirect_allowed: [\"https://www.example.com@evil.example/\"]\n",
	    "t.yaml:15: sources[0].redirect_allowed[0]: \"https://www.example.com@evil.example/\": "
	    "it holds a user name (\"user@\")\n");
	load_fails(WEB_SOURCE "    cors_origins: [https://www.example.com]\n"
	    "    honeypot: _redirect\n",
	    "t.yaml:15: sources[0].honeypot: _redirect is the field that asks for a redirect\n");
	load_fails(WEB_SOURCE "    cors_origins: [https://www.example.com]\n"
	    "    honeypot: \"a field\"\n",
	    "t.yaml:15: sources[0].honeypot: a form field's name: 1-64 of letters, digits, '_', "
	    "'.' and '-'\n");
	load_fails(WEB_SOURCE "    cors_origins: [https://www.example.com]\n"
	    "    rate_limit_per_ip: lots\n",
	    "t.yaml:15: sources[0].rate_limit_per_ip: expected a rate such as 100/s, 600/m or "
	    "1000/h (1 to 1000000), or off; got \"lots\"\n");
	/* Redirects and honeypots are for forms. */
	load_fails(MINIMAL "sources:\n  - name: app\n    preset: generic\n    auth: token\n"
	    "    redirect: https://www.example.com/thanks\n",
	    "t.yaml:14: sources[0]: redirect is for a source that takes forms (format: form, or a "
	    "form preset such as webform)\n");
	load_fails(MINIMAL "http:\n  trusted_proxies: [proxy.example.com]\n",
	    "t.yaml:11: http.trusted_proxies[0]: \"proxy.example.com\": expected an IP address or "
	    "a range such as 10.0.0.0/8\n");
	load_fails(MINIMAL "http:\n  trusted_proxies: [10.0.0.0/33]\n",
	    "t.yaml:11: http.trusted_proxies[0]: \"10.0.0.0/33\": expected an IP address or "
	    "a range such as 10.0.0.0/8\n");
	/* A public form any site's page may post: loaded, with a warning. */
	printed = load(WEB_SOURCE, &c);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(printed, "t.yaml:11: warning: sources[0]: auth: none without "
	    "cors_origins: a page on any site can post this form; list your site's origins\n");
	free(printed);
	conf_unref(c);
}
END_TEST

Suite *
conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("conf");

	tcase_add_test(tc, test_conf_example_file_is_valid);
	tcase_add_test(tc, test_conf_defaults);
	tcase_add_test(tc, test_conf_version_follows_content);
	tcase_add_test(tc, test_conf_when_builds_a_condition_tree);
	tcase_add_test(tc, test_conf_condition_errors);
	tcase_add_test(tc, test_conf_territory_errors);
	tcase_add_test(tc, test_conf_weights_caps_and_calendars);
	tcase_add_test(tc, test_conf_rotation_errors);
	tcase_add_test(tc, test_conf_actions);
	tcase_add_test(tc, test_conf_account_errors);
	tcase_add_test(tc, test_conf_redis_urls);
	tcase_add_test(tc, test_conf_listen_forms);
	tcase_add_test(tc, test_conf_unknown_key);
	tcase_add_test(tc, test_conf_unknown_rep_in_pool);
	tcase_add_test(tc, test_conf_unknown_pool_in_rule);
	tcase_add_test(tc, test_conf_bad_durations);
	tcase_add_test(tc, test_conf_duplicate_ids);
	tcase_add_test(tc, test_conf_requires_default_rule);
	tcase_add_test(tc, test_conf_warns_about_rule_after_default);
	tcase_add_test(tc, test_conf_warns_about_shadowed_rule);
	tcase_add_test(tc, test_conf_warns_about_contradiction);
	tcase_add_test(tc, test_conf_no_false_shadow_warnings);
	tcase_add_test(tc, test_conf_warns_about_shadowing_through_territory);
	tcase_add_test(tc, test_conf_warns_about_unknown_field);
	tcase_add_test(tc, test_conf_warns_about_comma_joined_values);
	tcase_add_test(tc, test_conf_missing_sections);
	tcase_add_test(tc, test_conf_reports_every_error);
	tcase_add_test(tc, test_conf_rejects_redis_hostname);
	tcase_add_test(tc, test_conf_rejects_wrong_shapes);
	tcase_add_test(tc, test_conf_default_clocks);
	tcase_add_test(tc, test_conf_clocks_policies_and_targets);
	tcase_add_test(tc, test_conf_sla_errors);
	tcase_add_test(tc, test_conf_rep_channels);
	tcase_add_test(tc, test_conf_lifecycle_defaults);
	tcase_add_test(tc, test_conf_lifecycle_custom);
	tcase_add_test(tc, test_conf_lifecycle_errors);
	tcase_add_test(tc, test_conf_escalation_first_level_not_a_map);
	tcase_add_test(tc, test_conf_notify_secret_from_a_file);
	tcase_add_test(tc, test_conf_subscriptions);
	tcase_add_test(tc, test_conf_subscription_errors);
	tcase_add_test(tc, test_conf_crm);
	tcase_add_test(tc, test_conf_crm_errors);
	tcase_add_test(tc, test_conf_missing_file);
	tcase_add_test(tc, test_conf_edge_defaults);
	tcase_add_test(tc, test_conf_edge_settings);
	tcase_add_test(tc, test_conf_edge_errors);
	tcase_add_test(tc, test_conf_source_web_forms);
	tcase_add_test(tc, test_conf_source_web_form_errors);
	tcase_add_test(tc, test_conf_source_owners);
	tcase_add_test(tc, test_conf_refcount_keeps_config_alive);
	suite_add_tcase(s, tc);
	return s;
}
