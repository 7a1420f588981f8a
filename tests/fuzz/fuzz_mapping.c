/*
 * fuzz_mapping.c — payload mapping: the input as the body for every preset,
 * sent both as JSON and as a form (so each preset also meets the parser it
 * does not expect and refuses it with 415), plus a JSON and a form mapping
 * that use every kind of rule. The mappings are compiled once and never
 * change; each run frees all it makes.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "leadroute/mapping.h"

#define FUZZ_MAPS	16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every rule kind at once, for both formats. */
static const char *const fuzz_specs[] = {
	"{\"batch\": \"either\", \"events\": \"/events\", \"event_id\": [\"/id\", \"/n\"],"
	" \"only\": {\"/type\": [\"a\", \"b\", 1, true]}, \"passthrough\": true,"
	" \"fields\": {\"email\": {\"from\": [\"/e\", \"/x/~0/~1/0\"], \"transform\": [\"trim\", \"lowercase\"],"
	"   \"map\": {\"a@b.co\": null, \"x\": 1}},"
	"  \"first_name\": [{\"from\": \"/name\", \"transform\": \"first_word\", \"when\": {\"/k\": 1}},"
	"   {\"from\": \"/name\", \"transform\": [\"rest_words\", \"uppercase\"]}, {\"default\": \"?\"}],"
	"  \"phone\": {\"from\": \"/p\", \"transform\": \"digits\"},"
	"  \"employees\": {\"from\": \"/s\", \"transform\": [\"trim\", \"number\"], \"default\": 0}},"
	" \"constants\": {\"source\": \"fuzz\"}}",
	"{\"format\": \"form\", \"event_id\": \"/id\", \"only\": {\"/t\": [\"x\"]},"
	" \"fields\": {\"email\": {\"from\": [\"/e\", \"/email\"], \"transform\": \"lowercase\"},"
	"  \"last_name\": {\"from\": \"/name\", \"transform\": \"rest_words\"},"
	"  \"phone\": {\"from\": \"/p\", \"transform\": \"digits\", \"map\": {\"+1\": \"x\"}}}}",
};

/* The presets and the specs above, compiled on the first call. */
static size_t
fuzz_maps(struct mapping **maps)
{
	const char *const *names = mapping_preset_names();
	char *cause = NULL;
	json_t *spec;
	size_t n = 0, i;

	for (i = 0; names[i] != NULL && n < FUZZ_MAPS; i++) {
		spec = mapping_preset(names[i]);
		if ((maps[n++] = mapping_compile(spec, &cause)) == NULL)
			abort();
		json_decref(spec);
	}
	for (i = 0; i < sizeof(fuzz_specs) / sizeof(fuzz_specs[0]) && n < FUZZ_MAPS; i++) {
		if ((spec = json_loads(fuzz_specs[i], 0, NULL)) == NULL ||
		    (maps[n++] = mapping_compile(spec, &cause)) == NULL)
			abort();
		json_decref(spec);
	}
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = {
		"application/json", "application/x-www-form-urlencoded; charset=utf-8",
	};
	static const struct mapping_limits lim = { 100, 32, 1000 };
	static struct mapping *maps[FUZZ_MAPS];
	static size_t nmaps;
	struct mapping_result r;
	struct mapping_error err;
	size_t i, j, k;

	if (nmaps == 0)
		nmaps = fuzz_maps(maps);
	for (i = 0; i < nmaps; i++) {
		for (j = 0; j < 2; j++) {
			if (mapping_apply(maps[i], &lim, types[j], (const char *)data, size, &r,
			    &err) == -1) {
				if (err.code == NULL || err.status == 0)
					abort();
				continue;
			}
			for (k = 0; k < r.nevents; k++)
				if (r.events[k].event_id == NULL)
					abort();
			mapping_result_free(&r);
		}
	}
	return 0;
}
