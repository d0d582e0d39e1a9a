build-cpu/problems/registry.o: problems/registry.c problems/problem.h \
 problems/../harness/params.h
problems/problem.h:
problems/../harness/params.h:
