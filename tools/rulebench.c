/*
 * rulebench.c — how long the in-process routing decision takes: validation,
 * scoring and rule matching for realistic leads, against generated configs of
 * 10 and 500 rules. No Redis, no HTTP: the pure core only.
 *
 *   rulebench [-n LEADS] [-r RULES]...
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "leadroute/conf.h"
#include "leadroute/lead.h"
#include "leadroute/route.h"
#include "leadroute/score.h"
#include "leadroute/util.h"

static const char *const bench_countries[] = {
	"US", "DE", "GB", "FR", "CA", "JP", "BR", "IN", "ES", "NL", "AU", "IT", "SE", "PL", "MX",
	"CH", "AT", "BE", "DK", "NO", "FI", "IE", "PT", "SG", "KR", "ZA", "AR", "CL", "NZ", "IL",
};
static const char *const bench_industries[] = {
	"software", "fintech", "healthcare", "retail", "manufacturing", "education", "media",
};
static const char *const bench_titles[] = {
	"VP Sales", "SDR", "CTO", "Marketing Manager", "Head of Growth", "Engineer",
	"Director of Operations", "Chief Revenue Officer", "Analyst",
};
static const char *const bench_events[] = {
	"demo_request", "pricing_page", "content_download", "webinar", "free_trial",
};

static uint64_t bench_state = 88172645463325252ULL;

static uint32_t
bench_rand(uint32_t n)
{
	bench_state ^= bench_state << 13;
	bench_state ^= bench_state >> 7;
	bench_state ^= bench_state << 17;
	return (uint32_t)(bench_state % n);
}

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A config with nrules rules: territory x employee-band x industry segments, then a default. */
static char *
bench_config(int nrules)
{
	struct buf b = { NULL, 0, 0 };
	int i;

	buf_appendf(&b, "reps: [{id: a}, {id: b}]\npools: [{id: p, reps: [a, b]}]\n"
	    "territories:\n");
	for (i = 0; i < 15; i++)
		buf_appendf(&b, "  - {id: t%d, countries: [%s, %s]}\n", i, bench_countries[2 * i],
		    bench_countries[2 * i + 1]);
	buf_appendf(&b, "scoring:\n  fit:\n"
	    "    - {name: senior, when: {title: {contains: [vp, chief, head, director]}}, points: 20}\n"
	    "    - {name: mid, when: {employees: {gte: 200}}, points: 15}\n"
	    "    - {name: big, when: {employees: {gte: 2000}}, points: 10}\n"
	    "    - {name: saas, when: {industry: {iin: [software, fintech]}}, points: 10}\n"
	    "    - {name: core, when: {territory: [t0, t1, t2]}, points: 5}\n"
	    "    - {name: edu, when: {email: {suffix: .edu}}, points: -30}\n"
	    "  behavior: {demo_request: 40, pricing_page: 25, content_download: 10, free_trial: 30}\n"
	    "  mql: 50\n  grades: {A: 80, B: 60, C: 40, D: 0}\n");
	buf_appendf(&b, "rules:\n");
	for (i = 0; i < nrules - 1; i++) {
		int lo = (i % 10) * 500, t = (i / 10) % 15;

		buf_appendf(&b, "  - name: r%d\n    when: {territory: t%d, employees: {gte: %d, lt: %d}, "
		    "industry: %s%s}\n    pool: p\n", i, t, lo, lo + 500 + (i / 150) * 10,
		    bench_industries[(i / 150) % LR_NELEM(bench_industries)],
		    i % 7 == 0 ? ", grade: [A, B]" : "");
	}
	buf_appendf(&b, "  - name: default\n    pool: p\n");
	return b.data;
}

static json_t *
bench_lead(int i)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:s}",
	    "email", i % 20 == 0 ? "kim@uni.edu" : "jo.doe@example.com",
	    "first_name", "Jo", "company", "Example Inc",
	    "country", bench_countries[bench_rand(LR_NELEM(bench_countries))],
	    "employees", (int)bench_rand(5000),
	    "industry", bench_industries[bench_rand(LR_NELEM(bench_industries))],
	    "title", bench_titles[bench_rand(LR_NELEM(bench_titles))],
	    "event", bench_events[bench_rand(LR_NELEM(bench_events))],
	    "source", "hubspot");
}

static int
bench_run(int nrules, int nleads)
{
	struct conf_diags diags;
	struct conf *conf;
	char *text = bench_config(nrules), **bodies;
	json_t **leads;
	double t0, t_decide, t_full;
	size_t tried = 0, sum_tried = 0;
	int i, matched_default = 0;

	if (conf_load_string(text, strlen(text), "rulebench", &conf, &diags) == -1) {
		conf_diags_print(&diags, stderr);
		return 1;
	}
	conf_diags_free(&diags);
	leads = xcalloc((size_t)nleads, sizeof(*leads));
	bodies = xcalloc((size_t)nleads, sizeof(*bodies));
	for (i = 0; i < nleads; i++) {
		json_t *l = bench_lead(i);

		bodies[i] = json_dumps(l, JSON_COMPACT);
		leads[i] = json_deep_copy(l);
		json_decref(l);
	}

	/* The decision from a parsed body: validate, score, match. */
	t0 = bench_now();
	for (i = 0; i < nleads; i++) {
		struct lead_error err;
		struct score_result sr;
		struct cond_lead lead;
		const struct conf_rule *r;
		json_t *warnings;

		if (lead_validate(leads[i], &warnings, &err) == -1)
			return 1;
		json_decref(warnings);
		cond_lead_init(&lead, &conf->fields, leads[i]);
		score_lead(&conf->scoring, &lead, &sr);
		r = route_select_rule(conf, &lead, &tried);
		cond_lead_free(&lead);
		sum_tried += tried;
		matched_default += r == &conf->rules[conf->nrules - 1];
	}
	t_decide = bench_now() - t0;

	/* The same from the request body's text: JSON parsing included. */
	t0 = bench_now();
	for (i = 0; i < nleads; i++) {
		struct lead_error err;
		struct score_result sr;
		struct cond_lead lead;
		json_t *f = json_loads(bodies[i], JSON_REJECT_DUPLICATES, NULL), *warnings;

		if (f == NULL || lead_validate(f, &warnings, &err) == -1)
			return 1;
		json_decref(warnings);
		cond_lead_init(&lead, &conf->fields, f);
		score_lead(&conf->scoring, &lead, &sr);
		route_select_rule(conf, &lead, &tried);
		cond_lead_free(&lead);
		json_decref(f);
	}
	t_full = bench_now() - t0;

	printf("rules=%d leads=%d rules_tried_avg=%.1f matched_default_pct=%.0f\n", nrules, nleads,
	    (double)sum_tried / nleads, 100.0 * matched_default / nleads);
	printf("  decision_us_per_lead=%.3f decisions_per_s=%.0f\n", t_decide * 1e6 / nleads,
	    nleads / t_decide);
	printf("  with_json_parse_us_per_lead=%.3f leads_per_s=%.0f\n", t_full * 1e6 / nleads,
	    nleads / t_full);
	for (i = 0; i < nleads; i++) {
		json_decref(leads[i]);
		free(bodies[i]);
	}
	free(leads);
	free(bodies);
	free(text);
	conf_unref(conf);
	return 0;
}

int
main(int argc, char **argv)
{
	int rules[8], nrules = 0, nleads = 200000, ch, i;

	while ((ch = getopt(argc, argv, "n:r:h")) != -1) {
		switch (ch) {
		case 'n':
			nleads = atoi(optarg);
			break;
		case 'r':
			if (nrules < 8)
				rules[nrules++] = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: rulebench [-n LEADS] [-r RULES]...\n");
			return 2;
		}
	}
	if (nleads < 1) {
		fprintf(stderr, "rulebench: -n must be at least 1\n");
		return 2;
	}
	if (nrules == 0) {
		rules[nrules++] = 10;
		rules[nrules++] = 500;
	}
	for (i = 0; i < nrules; i++) {
		if (rules[i] < 1) {
			fprintf(stderr, "rulebench: -r must be at least 1\n");
			return 2;
		}
		if (bench_run(rules[i], nleads) != 0)
			return 1;
	}
	return 0;
}
