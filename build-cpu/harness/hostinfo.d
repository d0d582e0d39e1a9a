build-cpu/harness/hostinfo.o: harness/hostinfo.c harness/hostinfo.h
harness/hostinfo.h:
