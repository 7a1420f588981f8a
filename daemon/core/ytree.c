/* ytree.c — build a ytree from libyaml's event stream. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "leadroute/util.h"
#include "leadroute/ytree.h"

/* Deeper nesting than any config needs; stops stack exhaustion on hostile input. */
#define YTREE_MAX_DEPTH 64

struct ytree_parser {
	yaml_parser_t	 parser;
	int		 err_line;
	char		*cause;
};

static void
ytree_fail(struct ytree_parser *yp, int line, const char *msg)
{
	if (yp->cause != NULL)
		return;
	yp->err_line = line;
	yp->cause = xstrdup(msg);
}

static void
ytree_append(struct ynode *parent, struct ynode *key, struct ynode *item)
{
	parent->items = xreallocarray(parent->items, parent->n + 1, sizeof(*parent->items));
	if (parent->type == YNODE_MAP) {
		parent->keys = xreallocarray(parent->keys, parent->n + 1, sizeof(*parent->keys));
		parent->keys[parent->n] = key;
	}
	parent->items[parent->n++] = item;
}

static struct ynode *ytree_parse_node(struct ytree_parser *, yaml_event_t *, int);

/* Parse the children of a map or sequence until its end event. */
static int
ytree_parse_children(struct ytree_parser *yp, struct ynode *node, int depth)
{
	yaml_event_t ev;

	for (;;) {
		struct ynode *key = NULL, *item;

		if (!yaml_parser_parse(&yp->parser, &ev)) {
			ytree_fail(yp, (int)yp->parser.problem_mark.line + 1,
			    yp->parser.problem ? yp->parser.problem : "malformed YAML");
			return -1;
		}
		if (ev.type == YAML_MAPPING_END_EVENT || ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return 0;
		}
		if (node->type == YNODE_MAP) {
			size_t i;

			key = ytree_parse_node(yp, &ev, depth + 1);
			if (key == NULL)
				return -1;
			if (key->type != YNODE_SCALAR) {
				ytree_fail(yp, key->line, "map keys must be plain strings");
				ytree_free(key);
				return -1;
			}
			for (i = 0; i < node->n; i++) {
				if (strcmp(node->keys[i]->value, key->value) == 0) {
					char *msg = xasprintf("duplicate key \"%s\" (first on line %d)",
					    key->value, node->keys[i]->line);

					ytree_fail(yp, key->line, msg);
					free(msg);
					ytree_free(key);
					return -1;
				}
			}
			if (!yaml_parser_parse(&yp->parser, &ev)) {
				ytree_fail(yp, (int)yp->parser.problem_mark.line + 1,
				    yp->parser.problem ? yp->parser.problem : "malformed YAML");
				ytree_free(key);
				return -1;
			}
		}
		item = ytree_parse_node(yp, &ev, depth + 1);
		if (item == NULL) {
			ytree_free(key);
			return -1;
		}
		ytree_append(node, key, item);
	}
}

/* Build the node that starts with ev; takes ownership of ev. */
static struct ynode *
ytree_parse_node(struct ytree_parser *yp, yaml_event_t *ev, int depth)
{
	struct ynode *node;
	int line = (int)ev->start_mark.line + 1;

	if (depth > YTREE_MAX_DEPTH) {
		ytree_fail(yp, line, "nesting too deep");
		yaml_event_delete(ev);
		return NULL;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		node = xcalloc(1, sizeof(*node));
		node->type = YNODE_SCALAR;
		node->line = line;
		if (memchr(ev->data.scalar.value, '\0', ev->data.scalar.length) != NULL) {
			ytree_fail(yp, line, "NUL byte in a value");
			free(node);
			yaml_event_delete(ev);
			return NULL;
		}
		node->value = xstrndup((const char *)ev->data.scalar.value,
		    ev->data.scalar.length);
		node->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		yaml_event_delete(ev);
		return node;
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		node = xcalloc(1, sizeof(*node));
		node->type = ev->type == YAML_MAPPING_START_EVENT ? YNODE_MAP : YNODE_SEQ;
		node->line = line;
		yaml_event_delete(ev);
		if (ytree_parse_children(yp, node, depth) == -1) {
			ytree_free(node);
			return NULL;
		}
		return node;
	case YAML_ALIAS_EVENT:
		ytree_fail(yp, line, "YAML aliases (*name) are not supported");
		break;
	default:
		ytree_fail(yp, line, "unexpected YAML structure");
		break;
	}
	yaml_event_delete(ev);
	return NULL;
}

struct ynode *
ytree_parse(const char *text, size_t len, int *line, char **cause)
{
	struct ytree_parser yp;
	struct ynode *root = NULL;
	yaml_event_t ev;
	int stage = 0;

	memset(&yp, 0, sizeof(yp));
	if (!yaml_parser_initialize(&yp.parser)) {
		*line = 0;
		*cause = xstrdup("cannot initialize the YAML parser");
		return NULL;
	}
	yaml_parser_set_input_string(&yp.parser, (const unsigned char *)text, len);
	/* Stream start, document start, the root node, then at most an empty stream end. */
	while (yp.cause == NULL) {
		if (!yaml_parser_parse(&yp.parser, &ev)) {
			ytree_fail(&yp, (int)yp.parser.problem_mark.line + 1,
			    yp.parser.problem ? yp.parser.problem : "malformed YAML");
			break;
		}
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (ev.type == YAML_STREAM_START_EVENT || ev.type == YAML_DOCUMENT_END_EVENT) {
			yaml_event_delete(&ev);
			continue;
		}
		if (ev.type == YAML_DOCUMENT_START_EVENT) {
			if (stage++ > 0)
				ytree_fail(&yp, (int)ev.start_mark.line + 1,
				    "only one YAML document is allowed");
			yaml_event_delete(&ev);
			continue;
		}
		root = ytree_parse_node(&yp, &ev, 0);
	}
	yaml_parser_delete(&yp.parser);
	if (yp.cause != NULL) {
		ytree_free(root);
		*line = yp.err_line;
		*cause = yp.cause;
		return NULL;
	}
	if (root == NULL) {
		*line = 1;
		*cause = xstrdup("the file is empty");
		return NULL;
	}
	return root;
}

void
ytree_free(struct ynode *node)
{
	size_t i;

	if (node == NULL)
		return;
	for (i = 0; i < node->n; i++) {
		if (node->keys != NULL)
			ytree_free(node->keys[i]);
		ytree_free(node->items[i]);
	}
	free(node->keys);
	free(node->items);
	free(node->value);
	free(node);
}

struct ynode *
ytree_get(const struct ynode *map, const char *key)
{
	size_t i;

	if (map == NULL || map->type != YNODE_MAP)
		return NULL;
	for (i = 0; i < map->n; i++)
		if (strcmp(map->keys[i]->value, key) == 0)
			return map->items[i];
	return NULL;
}

int
ytree_is_null(const struct ynode *node)
{
	return node->type == YNODE_SCALAR && node->plain &&
	    (node->value[0] == '\0' || strcmp(node->value, "~") == 0 ||
	    strcmp(node->value, "null") == 0 || strcmp(node->value, "Null") == 0 ||
	    strcmp(node->value, "NULL") == 0);
}

const char *
ytree_type_name(enum ynode_type type)
{
	switch (type) {
	case YNODE_SCALAR:
		return "a scalar";
	case YNODE_MAP:
		return "a map";
	case YNODE_SEQ:
		return "a list";
	}
	return "?";
}
