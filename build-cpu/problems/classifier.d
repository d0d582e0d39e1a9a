build-cpu/problems/classifier.o: problems/classifier.c \
 problems/classifier.h problems/datasets.h problems/data.h \
 problems/layers.h problems/problem.h problems/../harness/params.h \
 problems/../harness/memory.h problems/../harness/rng.h
problems/classifier.h:
problems/datasets.h:
problems/data.h:
problems/layers.h:
problems/problem.h:
problems/../harness/params.h:
problems/../harness/memory.h:
problems/../harness/rng.h:
