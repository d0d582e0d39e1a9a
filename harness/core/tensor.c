/* tensor.c — roles and groups by name, sizes of tensor views. */
#include "harness/core/tensor.h"

#include <stdio.h>
#include <string.h>

static const char *const roles[N_ROLES] = {"matrix", "embedding", "vector"};
static const char *const groups[N_ROLES] = {"matrices", "embeddings", "vectors"};

size_t tensor_numel(const TensorView *v)
{
    size_t n = 1;
    for (int d = 0; d < v->ndim; d++) n *= v->shape[d];
    return n;
}

const char *role_name(TensorRole r) { return roles[r]; }
const char *group_name(TensorRole r) { return groups[r]; }

/* Index of name in a table of N_ROLES names, or -1. */
static int lookup(const char *const *names, const char *name)
{
    for (int r = 0; r < N_ROLES; r++)
        if (strcmp(names[r], name) == 0) return r;
    return -1;
}

int role_parse(const char *name) { return lookup(roles, name); }
int group_parse(const char *name) { return lookup(groups, name); }

void tensor_shape_text(const TensorView *v, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = 0;
    for (int d = 0; d < v->ndim && used < len; d++)
        used += (size_t)snprintf(buf + used, len - used, "%s%zu", d ? "x" : "", v->shape[d]);
}
