/* cmd_erase.c — leadctl erase: everything about a person, gone (DELETE /v1/subjects). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_table.h"

enum { OPT_EMAIL = CTL_OPT_COMMAND, OPT_PHONE, OPT_CRM_ID, OPT_YES };

const struct ctl_opt cmd_erase_opts[] = {
	{ .name = "email", .value = 1, .id = OPT_EMAIL },
	{ .name = "phone", .value = 1, .id = OPT_PHONE },
	{ .name = "crm-id", .value = 1, .id = OPT_CRM_ID },
	{ .name = "yes", .value = 0, .id = OPT_YES },
	{ .name = NULL }
};

/* An identity option and the body's field it fills. */
static const struct {
	int		 opt;
	const char	*field;
} erase_fields[] = {
	{ OPT_EMAIL, "email" }, { OPT_PHONE, "phone" }, { OPT_CRM_ID, "crm_id" }
};

int
cmd_erase_exec(struct ctl *ctl)
{
	struct buf question = { 0 };
	json_t *body = NULL, *root = NULL;
	const char *v;
	char *s;
	size_t i;
	int rc;

	if (ctl->args.nwords > 0)
		return ctl_usage(ctl, "takes no arguments (\"%s\"): --email, --phone or --crm-id",
		    ctl->args.words[0]);
	body = json_object();
	buf_appendf(&question, "erase everything about");
	for (i = 0; i < LR_NELEM(erase_fields); i++) {
		if ((v = ctl_args_get(&ctl->args, erase_fields[i].opt)) == NULL)
			continue;
		if (*v == '\0') {
			rc = ctl_usage(ctl, "--%s is empty", erase_fields[i].field);
			goto done;
		}
		json_object_set_new(body, erase_fields[i].field, json_string(v));
		buf_appendf(&question, "%s %s %s", json_object_size(body) > 1 ? "," : "",
		    erase_fields[i].field, v);
	}
	if (json_object_size(body) == 0) {
		rc = ctl_usage(ctl, "whom? --email, --phone or --crm-id");
		goto done;
	}
	if ((rc = ctl_confirm(ctl, ctl_args_get(&ctl->args, OPT_YES) != NULL, question.data)) !=
	    CTL_OK)
		goto done;
	if ((rc = ctl_http_json(&ctl->conn, "DELETE", "/v1/subjects", body, &root)) != CTL_OK)
		goto done;
	if (ctl->json) {
		table_print_json(root);
		goto done;
	}
	s = table_json_text(json_object_get(root, "tombstone_until"));
	printf("erased %" JSON_INTEGER_FORMAT " leads and %" JSON_INTEGER_FORMAT
	    " stream entries; new leads of this person are refused until %s\n",
	    json_integer_value(json_object_get(root, "leads_erased")),
	    json_integer_value(json_object_get(root, "stream_entries_erased")), s);
	free(s);

done:
	buf_free(&question);
	json_decref(body);
	json_decref(root);
	return rc;
}
