build-cpu/harness/cli.o: harness/cli.c harness/cli.h
harness/cli.h:
