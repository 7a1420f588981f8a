/*
 * mapping_presets.c — the senders we know, as mapping specs (docs/sources.md).
 * Written from the vendors' public documentation of their payloads.
 */
#include "config.h"

#include <string.h>

#include "leadroute/mapping.h"
#include "leadroute/util.h"

struct mapping_preset {
	const char	*name;
	const char	*spec;
};

static const struct mapping_preset presets[] = {
	/*
	 * HubSpot webhook subscriptions (Webhooks API v3): a JSON array of up to
	 * 100 events {eventId, subscriptionId, portalId, appId, occurredAt,
	 * subscriptionType, attemptNumber, objectId, changeSource, propertyName,
	 * propertyValue}. Contact creations and property changes become leads
	 * (the email when that is the property that changed); a retry carries the
	 * same eventId. A lead without an email is refused by validation, as it
	 * should be.
	 */
	{ "hubspot_webhooks",
	    "{\"format\": \"json\", \"batch\": \"array\", \"event_id\": \"/eventId\","
	    " \"only\": {\"/subscriptionType\": [\"contact.creation\", \"contact.propertyChange\"]},"
	    " \"fields\": {"
	    "  \"email\": {\"from\": \"/propertyValue\", \"when\": {\"/propertyName\": \"email\"},"
	    "             \"transform\": [\"trim\", \"lowercase\"]},"
	    "  \"crm_id\": \"/objectId\","
	    "  \"event\": \"/subscriptionType\"},"
	    " \"constants\": {\"source\": \"hubspot\"}}" },
	/*
	 * A HubSpot workflow's "Send a webhook" action with the contact: the
	 * legacy contact record, {"vid", "canonical-vid", "portal-id",
	 * "properties": {"email": {"value"}, ...}}. It carries no event id: the
	 * record's hash keys retries. numemployees is often a range from
	 * HubSpot's picklist ("25-50", "1000+"): the lead's validation reads it.
	 */
	{ "hubspot_workflow",
	    "{\"format\": \"json\", \"batch\": \"single\","
	    " \"fields\": {"
	    "  \"email\": {\"from\": \"/properties/email/value\", \"transform\": [\"trim\", \"lowercase\"]},"
	    "  \"first_name\": \"/properties/firstname/value\","
	    "  \"last_name\": \"/properties/lastname/value\","
	    "  \"company\": \"/properties/company/value\","
	    "  \"title\": \"/properties/jobtitle/value\","
	    "  \"phone\": [\"/properties/phone/value\", \"/properties/mobilephone/value\"],"
	    "  \"country\": \"/properties/country/value\","
	    "  \"state\": \"/properties/state/value\","
	    "  \"postal_code\": \"/properties/zip/value\","
	    "  \"employees\": \"/properties/numemployees/value\","
	    "  \"industry\": \"/properties/industry/value\","
	    "  \"hs_analytics_source\": \"/properties/hs_analytics_source/value\","
	    "  \"crm_id\": [\"/canonical-vid\", \"/vid\"]},"
	    " \"constants\": {\"source\": \"hubspot\"}}" },
	/*
	 * A Marketo webhook (Admin > Webhooks) with the JSON template in
	 * docs/sources.md; Marketo fills the {{tokens}}. No event id: the
	 * template's time, {{system.dateTime}}, renders as "2013-08-08 16:36:13",
	 * and an id with a space cannot be an idempotency key, so the hash of the
	 * event (lead id and time included) keys it instead.
	 */
	{ "marketo",
	    "{\"format\": \"json\", \"batch\": \"single\","
	    " \"fields\": {"
	    "  \"email\": {\"from\": \"/email\", \"transform\": [\"trim\", \"lowercase\"]},"
	    "  \"first_name\": \"/firstName\", \"last_name\": \"/lastName\","
	    "  \"company\": \"/company\", \"title\": \"/title\", \"phone\": \"/phone\","
	    "  \"country\": \"/country\", \"state\": \"/state\", \"postal_code\": \"/postalCode\","
	    "  \"employees\": \"/numberOfEmployees\","
	    "  \"industry\": \"/industry\","
	    "  \"source\": {\"from\": \"/leadSource\", \"default\": \"marketo\"},"
	    "  \"crm_id\": \"/id\"}}" },
	/*
	 * Salesforce Web-to-Lead and Pardot form handlers: a form post with
	 * Salesforce's field names. oid, retURL and the like are not lead data.
	 */
	{ "salesforce_form",
	    "{\"format\": \"form\", \"batch\": \"single\","
	    " \"fields\": {"
	    "  \"email\": {\"from\": \"/email\", \"transform\": [\"trim\", \"lowercase\"]},"
	    "  \"first_name\": \"/first_name\", \"last_name\": \"/last_name\","
	    "  \"company\": \"/company\", \"title\": \"/title\", \"phone\": \"/phone\","
	    "  \"country\": \"/country\", \"state\": \"/state\", \"postal_code\": \"/zip\","
	    "  \"employees\": \"/employees\","
	    "  \"industry\": \"/industry\","
	    "  \"source\": {\"from\": \"/lead_source\", \"default\": \"salesforce_form\"}}}" },
	/* A plain HTML form: a full name or its parts; fields it does not name are left out. */
	{ "webform",
	    "{\"format\": \"form\", \"batch\": \"single\","
	    " \"fields\": {"
	    "  \"email\": {\"from\": \"/email\", \"transform\": [\"trim\", \"lowercase\"]},"
	    "  \"first_name\": [\"/first_name\", {\"from\": \"/name\", \"transform\": \"first_word\"}],"
	    "  \"last_name\": [\"/last_name\", {\"from\": \"/name\", \"transform\": \"rest_words\"}],"
	    "  \"company\": {\"from\": \"/company\", \"transform\": \"trim\"},"
	    "  \"title\": {\"from\": \"/title\", \"transform\": \"trim\"},"
	    "  \"phone\": {\"from\": \"/phone\", \"transform\": \"digits\"},"
	    "  \"country\": {\"from\": \"/country\", \"transform\": \"trim\"},"
	    "  \"message\": \"/message\"},"
	    " \"constants\": {\"source\": \"webform\"}}" },
	/* Our own lead schema as JSON, one lead or an array of them. */
	{ "generic",
	    "{\"format\": \"json\", \"batch\": \"either\", \"passthrough\": true,"
	    " \"event_id\": \"/event_id\"}" },
};

static const char *const preset_names[] = {
	"hubspot_webhooks", "hubspot_workflow", "marketo", "salesforce_form", "webform", "generic",
	NULL,
};

/* Parsed afresh on each call: the caller owns (and may change) what it gets. */
json_t *
mapping_preset(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < LR_NELEM(presets); i++)
		if (strcmp(presets[i].name, name) == 0)
			return json_loads(presets[i].spec, JSON_REJECT_DUPLICATES, NULL);
	return NULL;
}

/* The names in the order docs/sources.md lists them. */
const char *const *
mapping_preset_names(void)
{
	return preset_names;
}
