/* check_suites.h — one Check suite per core module. */
#ifndef CHECK_SUITES_H
#define CHECK_SUITES_H

#include <check.h>

Suite *actform_suite(void);
Suite *actlink_suite(void);
Suite *conf_suite(void);
Suite *idem_suite(void);
Suite *lead_suite(void);
Suite *leadref_suite(void);
Suite *mail_suite(void);
Suite *mapping_suite(void);
Suite *normalise_suite(void);
Suite *pii_suite(void);
Suite *ratelimit_suite(void);
Suite *reqcheck_suite(void);
Suite *review_suite(void);
Suite *route_suite(void);
Suite *score_suite(void);
Suite *scorecard_suite(void);
Suite *scorecard_fold_suite(void);
Suite *session_suite(void);
Suite *sentinel_msg_suite(void);
Suite *sig_suite(void);
Suite *slack_suite(void);
Suite *slack_answer_suite(void);
Suite *crm_answer_suite(void);
Suite *time_suite(void);
Suite *tz_suite(void);
Suite *units_suite(void);
Suite *webform_suite(void);
Suite *webhook_suite(void);
Suite *message_suite(void);
Suite *ytree_suite(void);

#endif
