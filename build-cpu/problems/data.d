build-cpu/problems/data.o: problems/data.c problems/data.h \
 problems/../harness/memory.h
problems/data.h:
problems/../harness/memory.h:
