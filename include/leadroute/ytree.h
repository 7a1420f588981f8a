/* ytree.h — a YAML document as a tree of nodes that remember their line. */
#ifndef LEADROUTE_YTREE_H
#define LEADROUTE_YTREE_H

#include <stddef.h>

enum ynode_type {
	YNODE_SCALAR,
	YNODE_MAP,
	YNODE_SEQ,
};

struct ynode {
	enum ynode_type	  type;
	int		  line;		/* 1-based line of the node's first character */
	char		 *value;	/* scalars: the text, NUL-terminated */
	int		  plain;	/* scalars: unquoted (so "null" and "~" mean null) */
	size_t		  n;		/* maps: pairs; sequences: items */
	struct ynode	**keys;		/* maps: the key scalars, in file order */
	struct ynode	**items;	/* maps: the values; sequences: the items */
};

/*
 * Parse the first document of a YAML text. Anchors and aliases, duplicate
 * keys and non-scalar keys are refused. On error returns NULL and sets
 * *line and an allocated *cause.
 */
struct ynode *ytree_parse(const char *text, size_t len, int *line, char **cause);

void ytree_free(struct ynode *node);

/* The value for key in a map, or NULL (borrowed). */
struct ynode *ytree_get(const struct ynode *map, const char *key);

/* True for a plain empty, "~" or "null" scalar. */
int ytree_is_null(const struct ynode *node);

const char *ytree_type_name(enum ynode_type type);

#endif
