/* fuzz_mapping.c — payload mapping: the input as a body for every preset. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "leadroute/mapping.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mapping *maps[8];
	static size_t nmaps;
	static const struct mapping_limits lim = { 100, 32, 1000 };
	struct mapping_result r;
	struct mapping_error err;
	size_t i;

	if (nmaps == 0) {
		const char *const *names = mapping_preset_names();

		for (i = 0; names[i] != NULL && nmaps < 8; i++) {
			json_t *spec = mapping_preset(names[i]);
			char *cause = NULL;

			if ((maps[nmaps++] = mapping_compile(spec, &cause)) == NULL)
				abort();
			json_decref(spec);
		}
	}
	for (i = 0; i < nmaps; i++) {
		const char *ct = mapping_format(maps[i])[0] == 'f' ?
		    "application/x-www-form-urlencoded" : "application/json";

		if (mapping_apply(maps[i], &lim, ct, (const char *)data, size, &r, &err) == 0)
			mapping_result_free(&r);
	}
	return 0;
}
