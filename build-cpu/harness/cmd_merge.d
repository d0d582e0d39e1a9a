build-cpu/harness/cmd_merge.o: harness/cmd_merge.c harness/cli.h \
 harness/commands.h harness/merge.h harness/params.h harness/store.h \
 harness/config.h harness/../optimizers/optimizer.h \
 harness/../optimizers/../harness/params.h \
 harness/../optimizers/../harness/spec.h \
 harness/../optimizers/../harness/params.h harness/../problems/problem.h \
 harness/../problems/../harness/params.h harness/schedule.h \
 harness/runner.h
harness/cli.h:
harness/commands.h:
harness/merge.h:
harness/params.h:
harness/store.h:
harness/config.h:
harness/../optimizers/optimizer.h:
harness/../optimizers/../harness/params.h:
harness/../optimizers/../harness/spec.h:
harness/../optimizers/../harness/params.h:
harness/../problems/problem.h:
harness/../problems/../harness/params.h:
harness/schedule.h:
harness/runner.h:
