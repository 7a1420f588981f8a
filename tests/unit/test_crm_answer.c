/* test_crm_answer.c — HubSpot's CRM API on the wire: the bodies sent, what its answers say. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/crm_answer.h"

#include "check_suites.h"

#define LEN(s) strlen(s)
#define S(lit) (lit), (sizeof(lit) - 1)	/* a literal and its length */

START_TEST(test_verdicts)
{
	ck_assert_int_eq(crm_hubspot_verdict(200), CRM_DONE);
	ck_assert_int_eq(crm_hubspot_verdict(201), CRM_DONE);
	ck_assert_int_eq(crm_hubspot_verdict(204), CRM_DONE);
	ck_assert_int_eq(crm_hubspot_verdict(429), CRM_RETRY);
	ck_assert_int_eq(crm_hubspot_verdict(409), CRM_RETRY);
	ck_assert_int_eq(crm_hubspot_verdict(408), CRM_RETRY);
	ck_assert_int_eq(crm_hubspot_verdict(500), CRM_RETRY);
	ck_assert_int_eq(crm_hubspot_verdict(503), CRM_RETRY);
	ck_assert_int_eq(crm_hubspot_verdict(0), CRM_RETRY);
	ck_assert_int_eq(crm_hubspot_verdict(400), CRM_PERMANENT);
	ck_assert_int_eq(crm_hubspot_verdict(401), CRM_PERMANENT);
	ck_assert_int_eq(crm_hubspot_verdict(403), CRM_PERMANENT);
	ck_assert_int_eq(crm_hubspot_verdict(404), CRM_PERMANENT);
	ck_assert_int_eq(crm_hubspot_verdict(301), CRM_PERMANENT);
}
END_TEST

START_TEST(test_ids)
{
	ck_assert(crm_hubspot_id_ok("1"));
	ck_assert(crm_hubspot_id_ok("12345678901234567890"));
	ck_assert(!crm_hubspot_id_ok("123456789012345678901"));
	ck_assert(!crm_hubspot_id_ok(""));
	ck_assert(!crm_hubspot_id_ok("00Q5e00000AbCdE"));	/* a Salesforce id */
	ck_assert(!crm_hubspot_id_ok("12/../34"));
}
END_TEST

/* HubSpot's documented error bodies, as the dead letters quote them. */
START_TEST(test_errors)
{
	static const char notfound[] = "{\"status\":\"error\",\"message\":\"resource not found\","
	    "\"correlationId\":\"3d4f0a8e-1b2c-4d5e-8f90-123456789abc\",\"category\":\"OBJECT_NOT_FOUND\"}";
	static const char scopes[] = "{\"status\":\"error\",\"message\":\"This app hasn't been "
	    "granted all required scopes to make this call.\",\"correlationId\":\"x\",\"errors\":"
	    "[{\"message\":\"One or more of the following scopes are required.\",\"context\":"
	    "{\"requiredGranularScopes\":[\"crm.objects.contacts.write\"]}}],\"category\":"
	    "\"MISSING_SCOPES\"}";
	char out[CRM_ERROR_LEN], small[24];

	crm_hubspot_error(404, notfound, LEN(notfound), out, sizeof(out));
	ck_assert_str_eq(out, "HubSpot 404 OBJECT_NOT_FOUND: resource not found");
	crm_hubspot_error(403, scopes, LEN(scopes), out, sizeof(out));
	ck_assert_str_eq(out, "HubSpot 403 MISSING_SCOPES: This app hasn't been granted all "
	    "required scopes to make this call.");
	crm_hubspot_error(400, "{\"message\":\"bad\"}", 17, out, sizeof(out));
	ck_assert_str_eq(out, "HubSpot 400: bad");
	crm_hubspot_error(502, "<html>Bad Gateway</html>", 24, out, sizeof(out));
	ck_assert_str_eq(out, "HubSpot 502");
	crm_hubspot_error(503, NULL, 0, out, sizeof(out));
	ck_assert_str_eq(out, "HubSpot 503");
	crm_hubspot_error(401, notfound, 40, out, sizeof(out));	/* cut off */
	ck_assert_str_eq(out, "HubSpot 401");
	crm_hubspot_error(404, notfound, LEN(notfound), small, sizeof(small));
	ck_assert_str_eq(small, "HubSpot 404 OBJECT_NOT_");
	crm_hubspot_error(400, "[\"message\"]", 11, out, sizeof(out));
	ck_assert_str_eq(out, "HubSpot 400");
}
END_TEST

START_TEST(test_search_answers)
{
	static const char one[] = "{\"total\":1,\"results\":[{\"id\":\"512\",\"properties\":"
	    "{\"email\":\"jane@acme.de\",\"hs_object_id\":\"512\"},\"createdAt\":"
	    "\"2026-01-01T00:00:00.000Z\",\"archived\":false}]}";
	char id[CRM_ID_LEN];

	ck_assert_int_eq(crm_hubspot_search_id(one, LEN(one), id), 1);
	ck_assert_str_eq(id, "512");
	ck_assert_int_eq(crm_hubspot_search_id(S("{\"total\":0,\"results\":[]}"), id), 0);
	ck_assert_int_eq(crm_hubspot_search_id(S("{\"results\":[{\"id\":77}]}"), id), 1);
	ck_assert_str_eq(id, "77");
	ck_assert_int_eq(crm_hubspot_search_id(S("{\"results\":[{\"id\":\"x/y\"}]}"), id), -1);
	ck_assert_int_eq(crm_hubspot_search_id(S("{\"results\":[{}]}"), id), -1);
	ck_assert_int_eq(crm_hubspot_search_id(S("{\"total\":1}"), id), -1);
	ck_assert_int_eq(crm_hubspot_search_id(one, 30, id), -1);	/* cut off */
	ck_assert_int_eq(crm_hubspot_search_id(S(""), id), -1);
	ck_assert_int_eq(crm_hubspot_search_id(S("[]"), id), -1);
	ck_assert_int_eq(crm_hubspot_object_id(S("{\"id\":\"901\",\"properties\":{}}"), id), 1);
	ck_assert_str_eq(id, "901");
	ck_assert_int_eq(crm_hubspot_object_id(S("{\"id\":-3}"), id), -1);
	ck_assert_int_eq(crm_hubspot_object_id(S("{\"id\":\"\"}"), id), -1);
	ck_assert_int_eq(crm_hubspot_object_id(S("{\"id\":\"1\",\"id\":\"2\"}"), id), -1);
}
END_TEST

START_TEST(test_bodies)
{
	char *b;

	b = crm_hubspot_patch_body("12345", NULL, NULL);
	ck_assert_str_eq(b, "{\"properties\":{\"hubspot_owner_id\":\"12345\"}}");
	free(b);
	b = crm_hubspot_patch_body("12345", "hs_lead_status", "OPEN");
	ck_assert_str_eq(b, "{\"properties\":{\"hubspot_owner_id\":\"12345\","
	    "\"hs_lead_status\":\"OPEN\"}}");
	free(b);
	b = crm_hubspot_patch_body(NULL, "hs_lead_status", "NEW");
	ck_assert_str_eq(b, "{\"properties\":{\"hs_lead_status\":\"NEW\"}}");
	free(b);
	b = crm_hubspot_search_body("o'neil\"@x.com");
	ck_assert_str_eq(b, "{\"filterGroups\":[{\"filters\":[{\"propertyName\":\"email\","
	    "\"operator\":\"EQ\",\"value\":\"o'neil\\\"@x.com\"}]}],\"properties\":[\"email\"],"
	    "\"limit\":1}");
	free(b);
	b = crm_hubspot_create_body("j@x.com", "Jane", NULL, "Acme", "7", NULL, NULL);
	ck_assert_str_eq(b, "{\"properties\":{\"email\":\"j@x.com\",\"firstname\":\"Jane\","
	    "\"company\":\"Acme\",\"hubspot_owner_id\":\"7\"}}");
	free(b);
}
END_TEST

START_TEST(test_sf_ids_and_verdicts)
{
	ck_assert(crm_sf_id_ok("00Q5e00000AbCdE"));
	ck_assert(crm_sf_id_ok("005Dn000001AbCdIAK"));
	ck_assert(!crm_sf_id_ok("005Dn000001AbCdI"));
	ck_assert(!crm_sf_id_ok("00Q5e00000AbCd'"));
	ck_assert(!crm_sf_id_ok("12345"));
	ck_assert_int_eq(crm_sf_verdict(204, ""), CRM_DONE);
	ck_assert_int_eq(crm_sf_verdict(403, "REQUEST_LIMIT_EXCEEDED"), CRM_RETRY);
	ck_assert_int_eq(crm_sf_verdict(400, "UNABLE_TO_LOCK_ROW"), CRM_RETRY);
	ck_assert_int_eq(crm_sf_verdict(503, ""), CRM_RETRY);
	ck_assert_int_eq(crm_sf_verdict(403, "INSUFFICIENT_ACCESS"), CRM_PERMANENT);
	ck_assert_int_eq(crm_sf_verdict(404, "NOT_FOUND"), CRM_PERMANENT);
	ck_assert_int_eq(crm_sf_verdict(400, "INVALID_CROSS_REFERENCE_KEY"), CRM_PERMANENT);
	ck_assert_int_eq(crm_sf_verdict(401, "INVALID_SESSION_ID"), CRM_PERMANENT);
}
END_TEST

/* Salesforce's documented error bodies: REST's array, OAuth's object. */
START_TEST(test_sf_errors)
{
	char code[CRM_ID_LEN], out[CRM_ERROR_LEN];

	crm_sf_error(401, S("[{\"message\":\"Session expired or invalid\",\"errorCode\":"
	    "\"INVALID_SESSION_ID\"}]"), code, out, sizeof(out));
	ck_assert_str_eq(code, "INVALID_SESSION_ID");
	ck_assert_str_eq(out, "Salesforce 401 INVALID_SESSION_ID: Session expired or invalid");
	crm_sf_error(403, S("[{\"message\":\"TotalRequests Limit exceeded.\",\"errorCode\":"
	    "\"REQUEST_LIMIT_EXCEEDED\"}]"), code, out, sizeof(out));
	ck_assert_str_eq(code, "REQUEST_LIMIT_EXCEEDED");
	crm_sf_error(400, S("{\"error\":\"invalid_client\",\"error_description\":"
	    "\"invalid client credentials\"}"), code, out, sizeof(out));
	ck_assert_str_eq(out, "Salesforce 400 invalid_client: invalid client credentials");
	crm_sf_error(404, S("[]"), code, out, sizeof(out));
	ck_assert_str_eq(code, "");
	ck_assert_str_eq(out, "Salesforce 404");
	crm_sf_error(500, NULL, 0, code, out, sizeof(out));
	ck_assert_str_eq(out, "Salesforce 500");
}
END_TEST

START_TEST(test_sf_answers)
{
	char id[CRM_ID_LEN], *token, *instance;

	ck_assert_int_eq(crm_sf_token(S("{\"access_token\":\"00D!AQ.x\",\"instance_url\":"
	    "\"https://acme.my.salesforce.com/\",\"id\":\"https://login.salesforce.com/id/00D/005\","
	    "\"token_type\":\"Bearer\",\"issued_at\":\"1700000000000\"}"), &token, &instance), 0);
	ck_assert_str_eq(token, "00D!AQ.x");
	ck_assert_str_eq(instance, "https://acme.my.salesforce.com");
	free(token);
	free(instance);
	ck_assert_int_eq(crm_sf_token(S("{\"access_token\":\"a b\",\"instance_url\":"
	    "\"https://x\"}"), &token, &instance), -1);
	ck_assert_ptr_null(token);
	ck_assert_int_eq(crm_sf_token(S("{\"access_token\":\"ab\",\"instance_url\":"
	    "\"ftp://x\"}"), &token, &instance), -1);
	ck_assert_int_eq(crm_sf_query_id(S("{\"totalSize\":1,\"done\":true,\"records\":[{"
	    "\"attributes\":{\"type\":\"Lead\"},\"Id\":\"00Q5e00000AbCdEAAA\"}]}"), id), 1);
	ck_assert_str_eq(id, "00Q5e00000AbCdEAAA");
	ck_assert_int_eq(crm_sf_query_id(S("{\"totalSize\":0,\"done\":true,\"records\":[]}"), id),
	    0);
	ck_assert_int_eq(crm_sf_query_id(S("{\"records\":[{\"Id\":\"x\"}]}"), id), -1);
	ck_assert_int_eq(crm_sf_query_id(S("{}"), id), -1);
}
END_TEST

START_TEST(test_sf_bodies)
{
	char *b;

	b = crm_sf_email_query("Lead", "o'neil\\x@acme.de");
	ck_assert_str_eq(b, "SELECT%20Id%20FROM%20Lead%20WHERE%20Email%20%3D%20%27o%5C%27neil"
	    "%5C%5Cx%40acme.de%27%20LIMIT%201");
	free(b);
	b = crm_sf_patch_body("005Dn000001AbCdIAK", "Status", "Working");
	ck_assert_str_eq(b, "{\"OwnerId\":\"005Dn000001AbCdIAK\",\"Status\":\"Working\"}");
	free(b);
	b = crm_sf_patch_body("005Dn000001AbCdIAK", NULL, NULL);
	ck_assert_str_eq(b, "{\"OwnerId\":\"005Dn000001AbCdIAK\"}");
	free(b);
	b = crm_sf_token_form("3MVG9 id", "s&c=ret");
	ck_assert_str_eq(b, "grant_type=client_credentials&client_id=3MVG9%20id&"
	    "client_secret=s%26c%3Dret");
	free(b);
}
END_TEST

Suite *
crm_answer_suite(void)
{
	Suite *s = suite_create("crm_answer");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_verdicts);
	tcase_add_test(tc, test_ids);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_search_answers);
	tcase_add_test(tc, test_bodies);
	tcase_add_test(tc, test_sf_ids_and_verdicts);
	tcase_add_test(tc, test_sf_errors);
	tcase_add_test(tc, test_sf_answers);
	tcase_add_test(tc, test_sf_bodies);
	suite_add_tcase(s, tc);
	return s;
}
