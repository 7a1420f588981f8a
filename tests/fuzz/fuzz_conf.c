/* fuzz_conf.c — config parsing: the input as a YAML config file. */
#include "config.h"

#include <stdint.h>

#include "leadroute/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf_diags diags;
	struct conf *conf = NULL;

	if (conf_load_string((const char *)data, size, "fuzz.yaml", &conf, &diags) == 0)
		conf_unref(conf);
	conf_diags_free(&diags);
	return 0;
}
