build-cpu/harness/cmd_export.o: harness/cmd_export.c harness/cli.h \
 harness/commands.h harness/store.h harness/config.h \
 harness/../optimizers/optimizer.h \
 harness/../optimizers/../harness/params.h \
 harness/../optimizers/../harness/spec.h \
 harness/../optimizers/../harness/params.h harness/../problems/problem.h \
 harness/../problems/../harness/params.h harness/schedule.h \
 harness/params.h harness/runner.h harness/table_out.h
harness/cli.h:
harness/commands.h:
harness/store.h:
harness/config.h:
harness/../optimizers/optimizer.h:
harness/../optimizers/../harness/params.h:
harness/../optimizers/../harness/spec.h:
harness/../optimizers/../harness/params.h:
harness/../problems/problem.h:
harness/../problems/../harness/params.h:
harness/schedule.h:
harness/params.h:
harness/runner.h:
harness/table_out.h:
