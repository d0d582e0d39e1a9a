build-cpu/optimizers/adam.o: optimizers/adam.c optimizers/coef.h \
 optimizers/cuda/fused_steps.h optimizers/cuda/../coef.h \
 optimizers/optimizer.h optimizers/../harness/params.h \
 optimizers/../harness/spec.h optimizers/../harness/params.h
optimizers/coef.h:
optimizers/cuda/fused_steps.h:
optimizers/cuda/../coef.h:
optimizers/optimizer.h:
optimizers/../harness/params.h:
optimizers/../harness/spec.h:
optimizers/../harness/params.h:
