build-cpu/harness/sweep_parse.o: harness/sweep_parse.c harness/spec.h \
 harness/params.h harness/sweep.h harness/config.h \
 harness/../optimizers/optimizer.h \
 harness/../optimizers/../harness/params.h \
 harness/../optimizers/../harness/spec.h harness/../problems/problem.h \
 harness/../problems/../harness/params.h harness/schedule.h
harness/spec.h:
harness/params.h:
harness/sweep.h:
harness/config.h:
harness/../optimizers/optimizer.h:
harness/../optimizers/../harness/params.h:
harness/../optimizers/../harness/spec.h:
harness/../problems/problem.h:
harness/../problems/../harness/params.h:
harness/schedule.h:
