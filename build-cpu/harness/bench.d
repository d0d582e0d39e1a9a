build-cpu/harness/bench.o: harness/bench.c harness/bench.h \
 harness/../optimizers/optimizer.h \
 harness/../optimizers/../harness/params.h \
 harness/../optimizers/../harness/spec.h \
 harness/../optimizers/../harness/params.h harness/memory.h \
 harness/roofline.h harness/timing.h
harness/bench.h:
harness/../optimizers/optimizer.h:
harness/../optimizers/../harness/params.h:
harness/../optimizers/../harness/spec.h:
harness/../optimizers/../harness/params.h:
harness/memory.h:
harness/roofline.h:
harness/timing.h:
