build-cpu/plot_templates.o: build-cpu/plot_templates.c \
 build-cpu/../harness/report_plots.h
build-cpu/../harness/report_plots.h:
