/*
 * confread.h — read config values from a ytree, reporting every problem to a
 * conf_diags as LINE: PATH: MESSAGE. The config parser and the parsers of the
 * core's own sections (calendars, conditions, scoring) share them.
 */
#ifndef LEADROUTE_CONFREAD_H
#define LEADROUTE_CONFREAD_H

#include <stddef.h>
#include <stdint.h>

struct conf_diags;
struct ynode;

#define CONFREAD_ID_MAX	64	/* longest id: 1-64 of letters, digits, _ . - */

/* A scalar that is not null, or NULL after an error naming what was expected. */
const char *confread_scalar(struct conf_diags *d, const struct ynode *n, const char *path,
    const char *what);

/* Report keys of a map not in allowed (NULL-terminated): -1 when node is no map, else how many. */
int confread_check_keys(struct conf_diags *d, const struct ynode *node, const char *path,
    const char *const *allowed);

/* A required id-like string under key; NULL after reporting when missing or bad. */
const char *confread_id(struct conf_diags *d, const struct ynode *item, const char *key,
    const char *path);
/* An optional string under key; NULL when absent, or after reporting a non-scalar. */
const char *confread_opt_string(struct conf_diags *d, const struct ynode *item, const char *key,
    const char *path);
/* A required http:// or https:// URL with a host under key; NULL after reporting. */
const char *confread_url(struct conf_diags *d, const struct ynode *item, const char *key,
    const char *path);
/* An optional true/false under key into *out (left alone when absent); -1 after reporting. */
int confread_bool(struct conf_diags *d, const struct ynode *item, const char *key,
    const char *path, int *out);
/* An optional whole number from min to max under key (0 when absent); -1 after reporting. */
int confread_opt_count(struct conf_diags *d, const struct ynode *item, const char *key,
    const char *path, uint64_t min, uint64_t max, uint64_t *out);
/* A duration from min_ms to max_ms under node; -1 after reporting. */
int confread_duration(struct conf_diags *d, const struct ynode *n, const char *path,
    int64_t min_ms, int64_t max_ms, int64_t *out);

/* True when list is a list; otherwise report it as not the list of what it should be. */
int confread_is_list(struct conf_diags *d, const struct ynode *list, const char *path,
    const char *what);
/*
 * An unquoted scalar with a comma where one value or a list of them is read:
 * `country: JP, AU` is the one string "JP, AU", not a list. Reports it (a
 * warning, or with warning 0 an error) saying how to write the list, or the
 * number without its separators (1,000), and returns 1; else 0. A quoted
 * value is taken as meant.
 */
int confread_comma_joined(struct conf_diags *d, const struct ynode *n, const char *path,
    int warning);
/* When first_line > 0, id was defined there already: report it and return 1. */
int confread_duplicate(struct conf_diags *d, const struct ynode *item, const char *path,
    const char *what, const char *id, int first_line);

/*
 * The bytes a secret reference names (malloc'd, NUL-terminated, trailing
 * newlines dropped): "credential:NAME" (a systemd credential), "file:PATH",
 * else the text itself. NULL after reporting.
 */
char *confread_secret_ref(struct conf_diags *d, int line, const char *path, const char *ref,
    size_t *len);

/* Read a whole small file (malloc'd, NUL-terminated); NULL with *why (static text or strerror). */
char *confread_small_file(const char *path, size_t max, size_t *len, const char **why);

#endif
