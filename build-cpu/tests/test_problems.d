build-cpu/tests/test_problems: tests/test_problems.c \
 /usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h \
 /usr/include/x86_64-linux-gnu/openblas-pthread/openblas_config.h \
 tests/../harness/config.h tests/../harness/../optimizers/optimizer.h \
 tests/../harness/../optimizers/../harness/params.h \
 tests/../harness/../optimizers/../harness/spec.h \
 tests/../harness/../optimizers/../harness/params.h \
 tests/../harness/../problems/problem.h \
 tests/../harness/../problems/../harness/params.h \
 tests/../harness/schedule.h tests/../harness/params.h \
 tests/../harness/gradcheck.h tests/../harness/config.h \
 tests/../harness/memory.h tests/../harness/runner.h
/usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h:
/usr/include/x86_64-linux-gnu/openblas-pthread/openblas_config.h:
tests/../harness/config.h:
tests/../harness/../optimizers/optimizer.h:
tests/../harness/../optimizers/../harness/params.h:
tests/../harness/../optimizers/../harness/spec.h:
tests/../harness/../optimizers/../harness/params.h:
tests/../harness/../problems/problem.h:
tests/../harness/../problems/../harness/params.h:
tests/../harness/schedule.h:
tests/../harness/params.h:
tests/../harness/gradcheck.h:
tests/../harness/config.h:
tests/../harness/memory.h:
tests/../harness/runner.h:
