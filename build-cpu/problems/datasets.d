build-cpu/problems/datasets.o: problems/datasets.c problems/datasets.h \
 problems/data.h problems/../harness/memory.h problems/../harness/rng.h
problems/datasets.h:
problems/data.h:
problems/../harness/memory.h:
problems/../harness/rng.h:
