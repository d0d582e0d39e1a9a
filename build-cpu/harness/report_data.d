build-cpu/harness/report_data.o: harness/report_data.c \
 harness/report_data.h
harness/report_data.h:
