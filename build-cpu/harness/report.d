build-cpu/harness/report.o: harness/report.c harness/report.h \
 harness/report_data.h harness/report_plots.h
harness/report.h:
harness/report_data.h:
harness/report_plots.h:
