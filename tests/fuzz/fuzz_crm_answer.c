/*
 * fuzz_crm_answer.c — HubSpot's and Salesforce's answers (core/crm_answer.c):
 * another service's bytes, cut anywhere. Every answer is read whole and cut
 * short at a few points, with a few statuses; whatever it says, the error
 * text stays NUL-terminated within its size and names the CRM, an id found
 * is one the CRM could have, a search says found, none or neither, and a
 * token answer gives a header-safe token and an http(s) instance or nothing.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/crm_answer.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 400, 404, 429, 503 };
	char *text = malloc(size + 1), err[CRM_ERROR_LEN], id[CRM_ID_LEN], code[CRM_ID_LEN];
	char *token, *instance;
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
		for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
			memset(err, 0x55, sizeof(err));
			memset(code, 0x55, sizeof(code));
			crm_sf_error(statuses[i], text, cut, code, err, sizeof(err));
			if (memchr(err, '\0', sizeof(err)) == NULL ||
			    memchr(code, '\0', sizeof(code)) == NULL ||
			    strncmp(err, "Salesforce ", 11) != 0)
				abort();
			(void)crm_sf_verdict(statuses[i], code);
		}
		memset(id, 0x55, sizeof(id));
		r = crm_sf_query_id(text, cut, id);
		if (r < -1 || r > 1 || (r == 1 && !crm_sf_id_ok(id)))
			abort();
		r = crm_sf_token(text, cut, &token, &instance);
		if (r == 0 && (token == NULL || instance == NULL || strchr(token, ' ') != NULL ||
		    (strncmp(instance, "https://", 8) != 0 && strncmp(instance, "http://", 7) != 0)))
			abort();
		if (r != 0 && (token != NULL || instance != NULL))
			abort();
		free(token);
		free(instance);
		if (cut == 0)
			break;
	}
	(void)crm_hubspot_id_ok(text);
	(void)crm_sf_id_ok(text);
	free(crm_sf_email_query("Lead", text));
	free(text);
	return 0;
}
