build-cpu/harness/timing.o: harness/timing.c harness/timing.h
harness/timing.h:
