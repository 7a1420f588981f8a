/* check_main.c — run every unit suite of the pure core. */
#include "config.h"

#include <stdlib.h>

#include "check_suites.h"

int
main(void)
{
	SRunner *sr = srunner_create(actform_suite());
	int failed;

	srunner_add_suite(sr, actlink_suite());
	srunner_add_suite(sr, conf_suite());
	srunner_add_suite(sr, idem_suite());
	srunner_add_suite(sr, lead_suite());
	srunner_add_suite(sr, leadref_suite());
	srunner_add_suite(sr, mail_suite());
	srunner_add_suite(sr, mapping_suite());
	srunner_add_suite(sr, normalise_suite());
	srunner_add_suite(sr, pii_suite());
	srunner_add_suite(sr, ratelimit_suite());
	srunner_add_suite(sr, reqcheck_suite());
	srunner_add_suite(sr, review_suite());
	srunner_add_suite(sr, route_suite());
	srunner_add_suite(sr, score_suite());
	srunner_add_suite(sr, scorecard_suite());
	srunner_add_suite(sr, scorecard_fold_suite());
	srunner_add_suite(sr, session_suite());
	srunner_add_suite(sr, sentinel_msg_suite());
	srunner_add_suite(sr, sig_suite());
	srunner_add_suite(sr, slack_suite());
	srunner_add_suite(sr, slack_answer_suite());
	srunner_add_suite(sr, crm_answer_suite());
	srunner_add_suite(sr, time_suite());
	srunner_add_suite(sr, tz_suite());
	srunner_add_suite(sr, units_suite());
	srunner_add_suite(sr, webform_suite());
	srunner_add_suite(sr, webhook_suite());
	srunner_add_suite(sr, message_suite());
	srunner_add_suite(sr, ytree_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
