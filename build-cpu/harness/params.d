build-cpu/harness/params.o: harness/params.c harness/params.h
harness/params.h:
