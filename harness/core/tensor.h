/* tensor.h — named views of a parameter buffer, each with a shape and a
 * role, and the parameter groups the roles form.
 *
 * A problem describes its one float32 parameter buffer as tensors; the role
 * tells an optimizer what a tensor is: `matrix` (a 2-D weight of a linear
 * map), `embedding` (a lookup table: token and position embeddings) or
 * `vector` (biases, norm gains and shifts, every 1-D parameter). Each role
 * is one parameter group (`matrices`, `embeddings`, `vectors`) whose
 * hyperparameters a spec may override with GROUP.KEY=value.
 */
#ifndef OPTBENCH_TENSOR_H
#define OPTBENCH_TENSOR_H

#include <stddef.h>

#define TENSOR_MAX_DIMS 4

typedef enum { ROLE_MATRIX, ROLE_EMBEDDING, ROLE_VECTOR, N_ROLES } TensorRole;

typedef struct {
    char name[48];                 /* e.g. "x", "layer0.weight" */
    size_t offset;                 /* first float in the buffer */
    int ndim;                      /* dimensions used in shape */
    size_t shape[TENSOR_MAX_DIMS]; /* sizes, outermost first */
    TensorRole role;               /* what the tensor is, and so its group */
} TensorView;

/* Floats of a view (the product of its shape). */
size_t tensor_numel(const TensorView *v);

/* "matrix", "embedding", "vector"; and the group of a role: "matrices",
 * "embeddings", "vectors". */
const char *role_name(TensorRole r);
const char *group_name(TensorRole r);

/* A role by its name, or a group by its name; -1 when unknown. */
int role_parse(const char *name);
int group_parse(const char *name);

/* Writes "6x5" (or "5" for a vector) into buf. */
void tensor_shape_text(const TensorView *v, char *buf, size_t len);

#endif
