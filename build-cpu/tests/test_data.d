build-cpu/tests/test_data: tests/test_data.c tests/../harness/memory.h \
 tests/../harness/params.h tests/../problems/data.h \
 tests/../problems/datasets.h tests/../problems/data.h
tests/../harness/memory.h:
tests/../harness/params.h:
tests/../problems/data.h:
tests/../problems/datasets.h:
tests/../problems/data.h:
