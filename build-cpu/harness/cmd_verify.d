build-cpu/harness/cmd_verify.o: harness/cmd_verify.c harness/cli.h \
 harness/commands.h harness/config.h harness/../optimizers/optimizer.h \
 harness/../optimizers/../harness/params.h \
 harness/../optimizers/../harness/spec.h \
 harness/../optimizers/../harness/params.h harness/../problems/problem.h \
 harness/../problems/../harness/params.h harness/schedule.h \
 harness/params.h harness/device.h harness/golden.h
harness/cli.h:
harness/commands.h:
harness/config.h:
harness/../optimizers/optimizer.h:
harness/../optimizers/../harness/params.h:
harness/../optimizers/../harness/spec.h:
harness/../optimizers/../harness/params.h:
harness/../problems/problem.h:
harness/../problems/../harness/params.h:
harness/schedule.h:
harness/params.h:
harness/device.h:
harness/golden.h:
