/* diag.h — problems found in a config file, reported as FILE:LINE: PATH: MESSAGE. */
#ifndef LEADROUTE_DIAG_H
#define LEADROUTE_DIAG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "leadroute/util.h"

/* One problem found in a config file. */
struct conf_diag {
	int	 line;
	size_t	 seq;		/* order found, to keep sorting stable */
	int	 warning;
	char	*path;
	char	*msg;
};

struct conf_diags {
	char			*file;
	struct conf_diag	*v;
	size_t			 n;
	size_t			 nerrors;
};

/* Record a problem (an error, or a warning when warning is set). */
void conf_diag_add(struct conf_diags *diags, int warning, int line, const char *path,
    const char *fmt, ...) LR_PRINTF(5, 6);
void conf_diag_vadd(struct conf_diags *diags, int warning, int line, const char *path,
    const char *fmt, va_list ap) LR_PRINTF(5, 0);

/* Put the problems in file order; problems on one line keep the order they were found in. */
void conf_diags_sort(struct conf_diags *diags);
void conf_diags_print(const struct conf_diags *diags, FILE *fp);
void conf_diags_free(struct conf_diags *diags);

#endif
