build-cpu/harness/execute.o: harness/execute.c harness/execute.h \
 harness/runner.h harness/config.h harness/../optimizers/optimizer.h \
 harness/../optimizers/../harness/params.h \
 harness/../optimizers/../harness/spec.h \
 harness/../optimizers/../harness/params.h harness/../problems/problem.h \
 harness/../problems/../harness/params.h harness/schedule.h \
 harness/params.h harness/pool.h harness/progress.h harness/store.h \
 harness/timing.h
harness/execute.h:
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
harness/pool.h:
harness/progress.h:
harness/store.h:
harness/timing.h:
