/* ctl_table.h — leadctl's human output: aligned tables, JSON values as text, pretty JSON. */
#ifndef LEADCTL_CTL_TABLE_H
#define LEADCTL_CTL_TABLE_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "leadroute/util.h"

struct table;

/* A table with ncols columns headed by the NULL-terminated headers (copied). */
struct table *table_new(const char *const *headers);

/* Start a row; then one table_cell* per column. */
void table_row(struct table *t);

/* The next cell of the row: s copied, NULL shown as "-". */
void table_cell(struct table *t, const char *s);
void table_cellf(struct table *t, const char *fmt, ...) LR_PRINTF(2, 3);

/* The next cell: a JSON value as table_json_text shows it (v borrowed). */
void table_cell_json(struct table *t, json_t *v);

/* The headers, then every row, columns two spaces apart; nothing but a note for no rows. */
void table_print(const struct table *t, FILE *fp, const char *empty);

void table_free(struct table *t);

/*
 * A JSON value as text (allocated): "-" for null or missing, strings as they
 * are, numbers as written, true/false as yes/no, arrays joined by ", ",
 * objects as compact JSON.
 */
char *table_json_text(json_t *v);

/* A time: epoch milliseconds (as the event feed has them) as RFC 3339, else table_json_text. */
char *table_time_text(json_t *v);

/* obj's member key when it is a string, else dflt (borrowed either way). */
const char *table_str(json_t *obj, const char *key, const char *dflt);

/* A duration in ms for people: "410ms", "29s", "4m05s", "3h20m", "2d04h"; "-" for null. */
char *table_duration(json_t *ms);

/* v as indented JSON and a newline on stdout (--json). */
void table_print_json(json_t *v);

/*
 * " key=value" on fp for each member of obj but those named in skip
 * (NULL-terminated); with times, members named *_at read as times.
 */
void table_print_members(FILE *fp, json_t *obj, const char *const *skip, int times);

#endif
