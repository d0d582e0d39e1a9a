build-cpu/harness/cmd_sweep.o: harness/cmd_sweep.c harness/cli.h \
 harness/commands.h harness/device.h harness/execute.h harness/runner.h \
 harness/config.h harness/../optimizers/optimizer.h \
 harness/../optimizers/../harness/params.h \
 harness/../optimizers/../harness/spec.h \
 harness/../optimizers/../harness/params.h harness/../problems/problem.h \
 harness/../problems/../harness/params.h harness/schedule.h \
 harness/params.h harness/hostinfo.h harness/store.h harness/sweep.h
harness/cli.h:
harness/commands.h:
harness/device.h:
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
harness/hostinfo.h:
harness/store.h:
harness/sweep.h:
