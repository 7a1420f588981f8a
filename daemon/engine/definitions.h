/* definitions.h — the shared definitions document, and its versions recorded in Redis. */
#ifndef LEADROUTED_DEFINITIONS_H
#define LEADROUTED_DEFINITIONS_H

#include <stddef.h>

#include "leadroute/conf.h"

struct server;

/* Hex digits of a definitions version. */
#define DEFINITIONS_VERSION_LEN	12

/*
 * The definitions document of conf as a JSON object, without its version:
 * the same text for the same definitions. Allocated; the caller frees it.
 */
char *definitions_text(const struct conf *conf, size_t *len);

/* The version of a document: the first 12 hex digits of its SHA-256. */
void definitions_version(const char *text, size_t len, char out[DEFINITIONS_VERSION_LEN + 1]);

/* Record the running definitions' version in Redis if they changed (start, reload). */
void definitions_record(struct server *srv);

#endif
