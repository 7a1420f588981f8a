/* pii.c — keyed hashes of personal data, so logs and indexes never hold the value. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "leadroute/pii.h"
#include "leadroute/util.h"

int
pii_hash(const char *kind, const char *value, const unsigned char *key, size_t keylen,
    char out[PII_HASH_LEN + 1])
{
	struct buf norm = { NULL, 0, 0 };
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	const char *end;

	buf_appendf(&norm, "%s:", kind);
	if (strcmp(kind, "phone") == 0) {
		while (isspace((unsigned char)*value))
			value++;
		if (*value == '+')
			buf_append(&norm, value++, 1);
		for (; *value != '\0'; value++)
			if (isdigit((unsigned char)*value))
				buf_append(&norm, value, 1);
	} else {
		/* A CRM's id keeps its case: Salesforce's 15-character ids differ by it. */
		int fold = strcmp(kind, "crm") != 0;

		while (isspace((unsigned char)*value))
			value++;
		end = value + strlen(value);
		while (end > value && isspace((unsigned char)end[-1]))
			end--;
		for (; value < end; value++) {
			char c = fold ? (char)tolower((unsigned char)*value) : *value;

			buf_append(&norm, &c, 1);
		}
	}
	if (norm.len <= strlen(kind) + 1 + (strcmp(kind, "phone") == 0 &&
	    norm.data[strlen(kind) + 1] == '+')) {
		buf_free(&norm);
		return -1;
	}
	HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)norm.data, norm.len, mac,
	    &maclen);
	buf_free(&norm);
	util_hex_encode(mac, PII_HASH_LEN / 2, out);
	return 0;
}

void
pii_lead_subjects(const json_t *fields, const unsigned char *key, size_t keylen, char *out,
    size_t outlen, char kinds_out[PII_KINDS_LEN])
{
	static const char *const kinds[] = { "email", "phone", "crm" };
	static const char *const names[] = { "email", "phone", "crm_id" };
	char h[PII_HASH_LEN + 1], num[24];
	size_t i, used = 0, kused = 0;

	out[0] = '\0';
	kinds_out[0] = '\0';
	for (i = 0; i < LR_NELEM(kinds); i++) {
		const json_t *j = json_object_get(fields, names[i]);
		const char *v = json_string_value(j);

		/* A CRM may send its numeric ids as numbers. */
		if (v == NULL && json_is_integer(j)) {
			snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(j));
			v = num;
		}
		if (v == NULL || pii_hash(kinds[i], v, key, keylen, h) == -1)
			continue;
		used += (size_t)snprintf(out + used, outlen - used, "%s%s", used > 0 ? "," : "", h);
		if (used >= outlen)
			break;
		kused += (size_t)snprintf(kinds_out + kused, PII_KINDS_LEN - kused, "%s%s",
		    kused > 0 ? "," : "", kinds[i]);
	}
}
