build-cpu/harness/table_out.o: harness/table_out.c harness/table_out.h
harness/table_out.h:
