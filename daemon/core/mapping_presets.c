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
	/*
	 * HubSpot webhook subscriptions as activity (kind: activity): a call,
	 * email or meeting logged on a contact is an object.associationChange
	 * from the contact (0-1) to the engagement (calls 0-48, emails 0-49,
	 * meetings 0-47) — the engagement's own object.creation names no contact,
	 * so it cannot name a lead. The contact's hubspot_owner_id changed by hand
	 * (contact.propertyChange, or object.propertyChange on 0-1) is an owner
	 * change. HubSpot sends each association both ways: the one from the
	 * engagement names no contact and is ignored.
	 */
	{ "hubspot_activity",
	    "{\"kind\": \"activity\", \"format\": \"json\", \"batch\": \"array\","
	    " \"event_id\": \"/eventId\","
	    " \"only\": {\"/subscriptionType\": [\"object.associationChange\","
	    "   \"contact.propertyChange\", \"object.propertyChange\"]},"
	    " \"fields\": {"
	    "  \"action\": {\"from\": \"/subscriptionType\", \"map\": {"
	    "    \"object.associationChange\": \"touch\", \"contact.propertyChange\": \"owner\","
	    "    \"object.propertyChange\": \"owner\"}},"
	    "  \"crm_id\": ["
	    "    {\"from\": \"/fromObjectId\", \"when\": {\"/fromObjectTypeId\": \"0-1\"}},"
	    "    {\"from\": \"/objectId\", \"when\": {\"/subscriptionType\": \"contact.propertyChange\"}},"
	    "    {\"from\": \"/objectId\", \"when\": {\"/objectTypeId\": \"0-1\"}}],"
	    "  \"channel\": ["
	    "    {\"from\": \"/toObjectTypeId\", \"when\": {\"/toObjectTypeId\": \"0-48\"}, \"map\": {\"0-48\": \"call\"}},"
	    "    {\"from\": \"/toObjectTypeId\", \"when\": {\"/toObjectTypeId\": \"0-49\"}, \"map\": {\"0-49\": \"email\"}},"
	    "    {\"from\": \"/toObjectTypeId\", \"when\": {\"/toObjectTypeId\": \"0-47\"}, \"map\": {\"0-47\": \"meeting\"}}],"
	    "  \"removed\": \"/associationRemoved\","
	    "  \"crm_owner\": {\"from\": \"/propertyValue\", \"when\": {\"/propertyName\": \"hubspot_owner_id\"},"
	    "                \"transform\": \"trim\"}}}" },
	/*
	 * Salesforce, from a record-triggered Flow's HTTP callout (or a Platform
	 * Event relayed as JSON): a Task created {Id, WhoId, OwnerId, Type,
	 * TaskSubtype, LastModifiedDate}, or a Lead's owner changed {Id,
	 * OwnerId, Event: "owner_changed", LastModifiedDate}. SOAP outbound
	 * messages are not read (see docs/sources.md). Type is the picklist
	 * (Call, Email, Meeting, Other), TaskSubtype what made it (Call, Email,
	 * ListEmail, Task, ...); a to-do is no touch.
	 */
	{ "salesforce_task",
	    "{\"kind\": \"activity\", \"format\": \"json\", \"batch\": \"either\","
	    " \"event_id\": [\"/Id\", \"/LastModifiedDate\"],"
	    " \"fields\": {"
	    "  \"action\": {\"from\": \"/Event\", \"map\": {\"task_created\": \"touch\","
	    "    \"owner_changed\": \"owner\"}, \"default\": \"touch\"},"
	    "  \"crm_id\": [{\"from\": \"/Id\", \"when\": {\"/Event\": \"owner_changed\"}}, \"/WhoId\"],"
	    "  \"channel\": ["
	    "    {\"from\": \"/Type\", \"transform\": [\"trim\", \"lowercase\"],"
	    "     \"map\": {\"other\": null, \"send letter\": \"letter\", \"send quote\": \"quote\"}},"
	    "    {\"from\": \"/TaskSubtype\", \"transform\": [\"trim\", \"lowercase\"],"
	    "     \"map\": {\"task\": null, \"listemail\": \"email\", \"cadence\": null}}],"
	    "  \"crm_owner\": {\"from\": \"/OwnerId\", \"transform\": \"trim\"}}}" },
	/* Our own lead schema as JSON, one lead or an array of them. */
	{ "generic",
	    "{\"format\": \"json\", \"batch\": \"either\", \"passthrough\": true,"
	    " \"event_id\": \"/event_id\"}" },
};

static const char *const preset_names[] = {
	"hubspot_webhooks", "hubspot_workflow", "marketo", "salesforce_form", "webform", "generic",
	"hubspot_activity", "salesforce_task", NULL,
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
