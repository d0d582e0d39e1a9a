build-cpu/harness/roofline.o: harness/roofline.c harness/roofline.h \
 harness/../optimizers/optimizer.h \
 harness/../optimizers/../harness/params.h \
 harness/../optimizers/../harness/spec.h \
 harness/../optimizers/../harness/params.h
harness/roofline.h:
harness/../optimizers/optimizer.h:
harness/../optimizers/../harness/params.h:
harness/../optimizers/../harness/spec.h:
harness/../optimizers/../harness/params.h:
