/* form.h — application/x-www-form-urlencoded bodies, read strictly. */
#ifndef LEADROUTE_FORM_H
#define LEADROUTE_FORM_H

#include <stddef.h>

#include <jansson.h>

#define FORM_NAME_MAX	256

/*
 * Parse a form body into a JSON object of strings: '+' is a space, %XX
 * escapes are decoded (hex either case), a name given more than once becomes
 * an array of its values in order, pairs with an empty name are skipped and
 * "a" without '=' is a name with "" as value. NULL with *cause (malloc'd:
 * what, at which byte) for a bad escape, a NUL (raw or %00), invalid UTF-8
 * once decoded, more than max_pairs pairs, or a name over FORM_NAME_MAX bytes.
 */
json_t *form_parse(const char *body, size_t len, size_t max_pairs, char **cause);

#endif
