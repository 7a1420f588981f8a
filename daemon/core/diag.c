/* diag.c — collect, order and print the problems found in a config file. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/diag.h"
#include "leadroute/util.h"

/* Record a problem from a va_list; the path is copied ("" when NULL). */
void
conf_diag_vadd(struct conf_diags *d, int warning, int line, const char *path, const char *fmt,
    va_list ap)
{
	struct conf_diag *dg;

	d->v = xreallocarray(d->v, d->n + 1, sizeof(*d->v));
	dg = &d->v[d->n++];
	dg->line = line;
	dg->seq = d->n - 1;
	dg->warning = warning;
	dg->path = xstrdup(path != NULL ? path : "");
	dg->msg = xvasprintf(fmt, ap);
	if (!warning)
		d->nerrors++;
}

/* Record a problem (an error, or a warning when warning is set). */
void
conf_diag_add(struct conf_diags *d, int warning, int line, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_diag_vadd(d, warning, line, path, fmt, ap);
	va_end(ap);
}

/* Diagnostics in file order; problems on one line keep the order they were found in. */
static int
conf_diag_cmp(const void *a, const void *b)
{
	const struct conf_diag *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sort the problems into file order. */
void
conf_diags_sort(struct conf_diags *diags)
{
	if (diags->n > 1)
		qsort(diags->v, diags->n, sizeof(*diags->v), conf_diag_cmp);
}

/* Print each problem as FILE:LINE: [warning: ]PATH: MESSAGE. */
void
conf_diags_print(const struct conf_diags *diags, FILE *fp)
{
	size_t i;

	for (i = 0; i < diags->n; i++) {
		const struct conf_diag *d = &diags->v[i];

		fprintf(fp, "%s:%d: %s%s%s%s\n", diags->file, d->line,
		    d->warning ? "warning: " : "", d->path, d->path[0] ? ": " : "", d->msg);
	}
}

/* Free the problems and the file name; diags is left empty. */
void
conf_diags_free(struct conf_diags *diags)
{
	size_t i;

	for (i = 0; i < diags->n; i++) {
		free(diags->v[i].path);
		free(diags->v[i].msg);
	}
	free(diags->v);
	free(diags->file);
	memset(diags, 0, sizeof(*diags));
}
