build-cpu/schema_sql.o: build-cpu/schema_sql.c
