build-cpu/harness/progress.o: harness/progress.c harness/progress.h \
 harness/runner.h harness/config.h harness/../optimizers/optimizer.h \
 harness/../optimizers/../harness/params.h \
 harness/../optimizers/../harness/spec.h \
 harness/../optimizers/../harness/params.h harness/../problems/problem.h \
 harness/../problems/../harness/params.h harness/schedule.h \
 harness/params.h harness/timing.h
harness/progress.h:
harness/runner.h:
harness/config.h:
harness/../optimizers/optimizer.h:
harness/../optimizers/../harness/params.h:
harness/../optimizers/../harness/spec.h:
harness/../optimizers/../harness/params.h:
harness/../problems/problem.h:
harness/../problems/../harness/params.h:
harness/schedule.h:
harness/params.h:
harness/timing.h:
