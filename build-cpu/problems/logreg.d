build-cpu/problems/logreg.o: problems/logreg.c problems/classifier.h \
 problems/datasets.h problems/data.h problems/layers.h problems/problem.h \
 problems/../harness/params.h
problems/classifier.h:
problems/datasets.h:
problems/data.h:
problems/layers.h:
problems/problem.h:
problems/../harness/params.h:
