build-cpu/harness/schedule.o: harness/schedule.c harness/schedule.h \
 harness/params.h
harness/schedule.h:
harness/params.h:
