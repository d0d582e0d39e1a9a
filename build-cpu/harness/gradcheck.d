build-cpu/harness/gradcheck.o: harness/gradcheck.c harness/gradcheck.h \
 harness/../problems/problem.h harness/../problems/../harness/params.h \
 harness/config.h harness/../optimizers/optimizer.h \
 harness/../optimizers/../harness/params.h \
 harness/../optimizers/../harness/spec.h \
 harness/../optimizers/../harness/params.h harness/schedule.h \
 harness/params.h harness/cuda/grad_cuda.h \
 harness/cuda/../../problems/problem.h harness/memory.h harness/rng.h
harness/gradcheck.h:
harness/../problems/problem.h:
harness/../problems/../harness/params.h:
harness/config.h:
harness/../optimizers/optimizer.h:
harness/../optimizers/../harness/params.h:
harness/../optimizers/../harness/spec.h:
harness/../optimizers/../harness/params.h:
harness/schedule.h:
harness/params.h:
harness/cuda/grad_cuda.h:
harness/cuda/../../problems/problem.h:
harness/memory.h:
harness/rng.h:
