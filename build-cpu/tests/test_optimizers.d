build-cpu/tests/test_optimizers: tests/test_optimizers.c \
 tests/../harness/golden.h tests/../harness/config.h \
 tests/../harness/../optimizers/optimizer.h \
 tests/../harness/../optimizers/../harness/params.h \
 tests/../harness/../optimizers/../harness/spec.h \
 tests/../harness/../optimizers/../harness/params.h \
 tests/../harness/../problems/problem.h \
 tests/../harness/../problems/../harness/params.h \
 tests/../harness/schedule.h tests/../harness/params.h \
 tests/../optimizers/optimizer.h
tests/../harness/golden.h:
tests/../harness/config.h:
tests/../harness/../optimizers/optimizer.h:
tests/../harness/../optimizers/../harness/params.h:
tests/../harness/../optimizers/../harness/spec.h:
tests/../harness/../optimizers/../harness/params.h:
tests/../harness/../problems/problem.h:
tests/../harness/../problems/../harness/params.h:
tests/../harness/schedule.h:
tests/../harness/params.h:
tests/../optimizers/optimizer.h:
