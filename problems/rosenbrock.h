/* rosenbrock.h — the Rosenbrock problem instance, shared by rosenbrock.c
 * and its CUDA twin (cuda/rosenbrock_cuda.cu). */
#ifndef OPTBENCH_ROSENBROCK_H
#define OPTBENCH_ROSENBROCK_H

#include "problems/problem.h"

typedef struct {
    Problem base;      /* common head */
    TensorView view;   /* the single tensor "x" */
    double noise;      /* gradient noise sigma */
} Rosenbrock;

#endif
