build-cpu/problems/rosenbrock.o: problems/rosenbrock.c \
 problems/../harness/rng.h problems/cuda/problem_cuda.h \
 problems/cuda/../problem.h problems/cuda/../../harness/params.h \
 problems/rosenbrock.h problems/problem.h
problems/../harness/rng.h:
problems/cuda/problem_cuda.h:
problems/cuda/../problem.h:
problems/cuda/../../harness/params.h:
problems/rosenbrock.h:
problems/problem.h:
