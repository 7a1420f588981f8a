/*
 * fuzz_crm_answer.c — HubSpot's CRM API answers (core/crm_answer.c): another
 * service's bytes, cut anywhere. Every answer is read whole and cut short at
 * a few points, with a few statuses; whatever it says, the error text stays
 * NUL-terminated within its size and begins with "HubSpot ", an id found is
 * one HubSpot could have (digits), and a search says found, none or neither.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/crm_answer.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 400, 404, 429, 503 };
	char *text = malloc(size + 1), err[CRM_ERROR_LEN], id[CRM_ID_LEN];
	size_t cut, i;
	int r;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (cut = size; ; cut /= 2) {
		for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
			memset(err, 0x55, sizeof(err));
			crm_hubspot_error(statuses[i], text, cut, err, sizeof(err));
			if (memchr(err, '\0', sizeof(err)) == NULL || strncmp(err, "HubSpot ", 8) != 0)
				abort();
		}
		memset(id, 0x55, sizeof(id));
		r = crm_hubspot_search_id(text, cut, id);
		if (r < -1 || r > 1 || (r == 1 && !crm_hubspot_id_ok(id)))
			abort();
		memset(id, 0x55, sizeof(id));
		r = crm_hubspot_object_id(text, cut, id);
		if ((r != 1 && r != -1) || (r == 1 && !crm_hubspot_id_ok(id)))
			abort();
		if (cut == 0)
			break;
	}
	(void)crm_hubspot_id_ok(text);
	free(text);
	return 0;
}
