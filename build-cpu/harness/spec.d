build-cpu/harness/spec.o: harness/spec.c harness/spec.h harness/params.h
harness/spec.h:
harness/params.h:
