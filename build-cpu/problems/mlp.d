build-cpu/problems/mlp.o: problems/mlp.c problems/classifier.h \
 problems/datasets.h problems/data.h problems/layers.h problems/problem.h \
 problems/../harness/params.h
problems/classifier.h:
problems/datasets.h:
problems/data.h:
problems/layers.h:
problems/problem.h:
problems/../harness/params.h:
