build-cpu/optimizers/registry.o: optimizers/registry.c \
 optimizers/optimizer.h optimizers/../harness/params.h \
 optimizers/../harness/spec.h optimizers/../harness/params.h
optimizers/optimizer.h:
optimizers/../harness/params.h:
optimizers/../harness/spec.h:
optimizers/../harness/params.h:
