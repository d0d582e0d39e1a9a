build-cpu/harness/memory.o: harness/memory.c harness/memory.h
harness/memory.h:
