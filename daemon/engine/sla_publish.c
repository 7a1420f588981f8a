/*
 * sla_publish.c — the SLA scripts run inside Redis, away from the config:
 * this writes what they need of it there (clocks, escalation policies, the
 * pools' and reps' calendars and clocks, and each calendar's open windows for
 * the coming weeks), at start, on every reconnection and reload, and hourly
 * so the windows always reach HORIZON_DAYS ahead.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "leadroute/calendar.h"
#include "leadroute/conf.h"
#include "leadroute/util.h"

#include "engine/sla.h"
#include "io/log.h"
#include "io/store.h"
#include "io/sysutil.h"
#include "server.h"

#define DAY_MS		(86400LL * 1000)
#define HORIZON_DAYS	60
#define MAX_WINDOWS	4096

static const char *const clock_calendars[] = {
	[CLOCK_WALL] = "wall", [CLOCK_OWNER] = "owner", [CLOCK_POOL] = "pool",
	[CLOCK_NAMED] = "named",
};

static json_t *
publish_strings(const struct conf_recipients *r)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < r->n; i++)
		json_array_append_new(a, json_string(r->v[i]));
	return a;
}

static json_t *
publish_levels(const struct conf_policy *p)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < p->nlevels; i++)
		json_array_append_new(a, json_pack("{s:I, s:o, s:b}", "after",
		    (json_int_t)p->levels[i].after_ms, "notify", publish_strings(&p->levels[i].notify),
		    "reassign", p->levels[i].reassign));
	return a;
}

/* Each clock as lua/lib/clocks.lua reads it. */
static json_t *
publish_clocks(const struct conf *conf)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < conf->sla.nclocks; i++) {
		const struct conf_clock *k = &conf->sla.clocks[i];
		json_t *stop = json_array();
		char *copy = xstrdup(k->stop), *tok, *save = NULL;

		for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save))
			json_array_append_new(stop, json_string(tok));
		free(copy);
		json_array_append_new(a, json_pack("{s:s, s:s, s:o, s:I, s:s, s:s, s:I, s:o, s:I}",
		    "name", k->name, "start", k->start, "stop", stop, "dur", (json_int_t)k->duration_ms,
		    "cal", clock_calendars[k->calendar_kind],
		    "calendar", k->calendar != NULL ? k->calendar->id : "",
		    "remind", (json_int_t)k->remind_before_ms, "remind_to", publish_strings(&k->remind),
		    "offline", (json_int_t)k->auto_offline_after));
	}
	return a;
}

static json_t *
publish_sla(const struct conf *conf, const struct conf_sla *sla)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < conf->sla.nclocks; i++)
		if (sla->ms[i] > 0)
			json_object_set_new(o, conf->sla.clocks[i].name, json_integer(sla->ms[i]));
	return o;
}

static void
publish_field(json_t *fields, const char *prefix, const char *id, json_t *value)
{
	char *name = xasprintf("%s%s", prefix, id), *text = json_dumps(value, JSON_COMPACT);

	json_object_set_new(fields, name, json_string(text));
	free(text);
	free(name);
	json_decref(value);
}

/* Fields for <prefix>:cfg, each a JSON text. */
static json_t *
publish_cfg(const struct conf *conf)
{
	json_t *fields = json_object(), *pc;
	size_t i;

	publish_field(fields, "clocks", "", publish_clocks(conf));
	publish_field(fields, "levels", "", publish_levels(&conf->escalation));
	for (i = 0; i < conf->npools; i++) {
		const struct conf_pool *p = &conf->pools[i];

		pc = json_pack("{s:s, s:o}", "cal", p->calendar != NULL ? p->calendar->id : "",
		    "sla", publish_sla(conf, &p->sla));
		if (p->escalation.nlevels > 0)
			json_object_set_new(pc, "levels", publish_levels(&p->escalation));
		publish_field(fields, "pool:", p->id, pc);
	}
	for (i = 0; i < conf->nreps; i++)
		publish_field(fields, "rep:", conf->reps[i].id, json_pack("{s:s}", "cal",
		    conf->reps[i].calendar != NULL ? conf->reps[i].calendar->id : ""));
	return fields;
}

static json_t *
publish_calendars(const struct conf *conf, int64_t now)
{
	struct cal_window *w = xcalloc(MAX_WINDOWS, sizeof(*w));
	json_t *cals = json_object();
	char buf[48];
	size_t i, j, n;

	for (i = 0; i < conf->ncalendars; i++) {
		json_t *a = json_array();

		n = calendar_windows(&conf->calendars[i], now - DAY_MS, now + HORIZON_DAYS * DAY_MS,
		    w, MAX_WINDOWS);
		for (j = 0; j < n; j++) {
			snprintf(buf, sizeof(buf), "%lld:%lld", (long long)w[j].start,
			    (long long)w[j].end);
			json_array_append_new(a, json_string(buf));
		}
		json_object_set_new(cals, conf->calendars[i].id, a);
	}
	free(w);
	return cals;
}

/*
 * The rules of this config version in order, as JSON names: kept per
 * version, so a lead decided under an older config still names the rules
 * it went through.
 */
static char *
publish_rule_names(const struct conf *conf)
{
	json_t *names = json_array();
	char *s;
	size_t i;

	for (i = 0; i < conf->nrules; i++)
		json_array_append_new(names, json_string(conf->rules[i].name));
	s = json_dumps(names, JSON_COMPACT);
	json_decref(names);
	return s;
}

static void
publish_done(const struct store_reply *reply, void *arg)
{
	char *version = arg;

	if (reply->err != NULL)
		log_warn("sla_publish_failed", "version=%s error=%s", version, reply->err);
	else
		log_debug("sla_published", "version=%s", version);
	free(version);
}

int
sla_publish(struct store *store, const struct conf *conf)
{
	struct store_args a = { 0 };
	int64_t now = sys_now_ms();
	json_t *fields = publish_cfg(conf), *cals = publish_calendars(conf, now);
	char *s, *version;

	s = json_dumps(fields, JSON_COMPACT);
	store_args_add(&a, s);
	free(s);
	s = json_dumps(cals, JSON_COMPACT);
	store_args_add(&a, s);
	free(s);
	store_args_add(&a, conf->version);
	s = publish_rule_names(conf);
	store_args_add(&a, s);
	free(s);
	json_decref(fields);
	json_decref(cals);
	version = xstrdup(conf->version);
	if (store_eval(store, SCRIPT_CFG_PUBLISH, now, &a, publish_done, version) == -1) {
		free(version);
		return -1;
	}
	return 0;
}
