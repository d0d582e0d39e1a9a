build-cpu/harness/main.o: harness/main.c \
 /usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h \
 /usr/include/x86_64-linux-gnu/openblas-pthread/openblas_config.h \
 harness/cli.h harness/commands.h harness/hostinfo.h
/usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h:
/usr/include/x86_64-linux-gnu/openblas-pthread/openblas_config.h:
harness/cli.h:
harness/commands.h:
harness/hostinfo.h:
