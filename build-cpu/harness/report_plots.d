build-cpu/harness/report_plots.o: harness/report_plots.c \
 harness/report_plots.h
harness/report_plots.h:
