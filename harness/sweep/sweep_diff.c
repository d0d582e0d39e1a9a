/* sweep_diff.c — the first setting in which two sweep files differ, for a
 * safe resume: both texts are parsed as YAML and walked side by side, so
 * comments, spacing, key order and spellings of one number (1e-3, 0.001) are
 * no difference. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "harness/sweep/sweep.h"

/* Walking two documents: where the first difference goes. */
typedef struct {
    yaml_document_t *a, *b; /* the stored and the new document */
    char *key;              /* path of the first difference */
    size_t keylen;          /* its room */
    char *old_value, *new_value; /* the two values there ("" when absent or not a scalar) */
    size_t valuelen;        /* room of each */
} Walk;

static yaml_node_t *doc_node(yaml_document_t *doc, int i) { return yaml_document_get_node(doc, i); }

static const char *node_text(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* Two scalars are equal when their texts are, or when both are the same number. */
static int same_scalar(const char *x, const char *y)
{
    char *ex, *ey;
    if (!strcmp(x, y)) return 1;
    double dx = strtod(x, &ex), dy = strtod(y, &ey);
    return *x && *y && !*ex && !*ey && dx == dy;
}

/* Records the difference at path with the two nodes' values; returns 1. */
static int differ(Walk *w, const char *path, const yaml_node_t *a, const yaml_node_t *b)
{
    snprintf(w->key, w->keylen, "%s", path[0] ? path : "(the whole file)");
    snprintf(w->old_value, w->valuelen, "%s", node_text(a) ? node_text(a) : a ? "(a list or mapping)" : "(absent)");
    snprintf(w->new_value, w->valuelen, "%s", node_text(b) ? node_text(b) : b ? "(a list or mapping)" : "(absent)");
    return 1;
}

/* The value of key in mapping m, or NULL. */
static yaml_node_t *lookup(yaml_document_t *doc, const yaml_node_t *m, const char *key)
{
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        const char *k = node_text(doc_node(doc, p->key));
        if (k && !strcmp(k, key)) return doc_node(doc, p->value);
    }
    return NULL;
}

static int walk(Walk *w, const char *path, yaml_node_t *a, yaml_node_t *b);

/* Keys of `from` missing in, or different from, `to` (swap says which side is the stored one). */
static int walk_keys(Walk *w, const char *path, yaml_document_t *from_doc, yaml_node_t *from, yaml_document_t *to_doc,
                     yaml_node_t *to, int swap)
{
    for (yaml_node_pair_t *p = from->data.mapping.pairs.start; p < from->data.mapping.pairs.top; p++) {
        const char *k = node_text(doc_node(from_doc, p->key));
        char sub[512];
        snprintf(sub, sizeof sub, "%s%s%s", path, path[0] ? "." : "", k ? k : "?");
        yaml_node_t *mine = doc_node(from_doc, p->value), *theirs = k ? lookup(to_doc, to, k) : NULL;
        if (!theirs) return swap ? differ(w, sub, NULL, mine) : differ(w, sub, mine, NULL);
        /* the second pass (swap) only looks for keys the stored file lacks */
        if (!swap && walk(w, sub, mine, theirs)) return 1;
    }
    return 0;
}

static int walk(Walk *w, const char *path, yaml_node_t *a, yaml_node_t *b)
{
    if (a->type != b->type) return differ(w, path, a, b);
    if (a->type == YAML_SCALAR_NODE) return same_scalar(node_text(a), node_text(b)) ? 0 : differ(w, path, a, b);
    if (a->type == YAML_SEQUENCE_NODE) {
        long na = a->data.sequence.items.top - a->data.sequence.items.start;
        long nb = b->data.sequence.items.top - b->data.sequence.items.start;
        for (long i = 0; i < na && i < nb; i++) {
            yaml_node_t *x = doc_node(w->a, a->data.sequence.items.start[i]);
            yaml_node_t *y = doc_node(w->b, b->data.sequence.items.start[i]);
            char sub[512];
            snprintf(sub, sizeof sub, "%s[%ld]", path, i);
            if (walk(w, sub, x, y)) return 1;
        }
        if (na == nb) return 0;
        char sub[512];
        snprintf(sub, sizeof sub, "%s[%ld]", path, na < nb ? na : nb);
        return na < nb ? differ(w, sub, NULL, doc_node(w->b, b->data.sequence.items.start[na]))
                       : differ(w, sub, doc_node(w->a, a->data.sequence.items.start[nb]), NULL);
    }
    /* mappings: keys in the stored order, then keys only the new one has */
    return walk_keys(w, path, w->a, a, w->b, b, 0) || walk_keys(w, path, w->b, b, w->a, a, 1);
}

/* Loads text into doc; 0 or -1. */
static int load(const char *text, yaml_document_t *doc)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) return -1;
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
    int ok = yaml_parser_load(&parser, doc);
    yaml_parser_delete(&parser);
    return ok ? 0 : -1;
}

int sweep_spec_difference(const char *stored, const char *text, char *key, size_t keylen, char *old_value,
                          char *new_value, size_t valuelen)
{
    yaml_document_t a, b;
    int have_a = load(stored, &a) == 0, have_b = have_a && load(text, &b) == 0, rc = 1;
    Walk w = {.a = &a, .b = &b, .key = key, .keylen = keylen, .old_value = old_value, .new_value = new_value,
              .valuelen = valuelen};
    yaml_node_t *ra = have_b ? yaml_document_get_root_node(&a) : NULL;
    yaml_node_t *rb = have_b ? yaml_document_get_root_node(&b) : NULL;
    if (!ra || !rb) differ(&w, "", NULL, NULL);
    else rc = walk(&w, "", ra, rb);
    if (have_b) yaml_document_delete(&b);
    if (have_a) yaml_document_delete(&a);
    return rc;
}
