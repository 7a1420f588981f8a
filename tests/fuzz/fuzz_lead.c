/* fuzz_lead.c — lead validation: the input as a JSON body. */
#include "config.h"

#include <stdint.h>

#include "leadroute/lead.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lead_error err;
	char key[65], domains[512];
	json_t *body, *warnings;

	body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (body == NULL)
		return 0;
	if (json_is_object(body) && lead_validate(body, &warnings, &err) == 0) {
		(void)lead_contact_key(body, key);
		lead_email_domains(body, domains, sizeof(domains));
		json_decref(warnings);
	}
	json_decref(body);
	return 0;
}
