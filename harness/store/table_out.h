/* table_out.h — writing the rows of an SQLite query as an aligned table,
 * CSV (RFC 4180), a JSON array or JSON lines, with the query's column names
 * as headers and keys. */
#ifndef OPTBENCH_TABLE_OUT_H
#define OPTBENCH_TABLE_OUT_H

#include <sqlite3.h>
#include <stdio.h>

typedef enum { OUT_TABLE, OUT_CSV, OUT_JSON, OUT_JSONL } OutFormat;

/* Format by name ("table", "csv", "json", "jsonl"); -1 when unknown. */
int out_format_parse(const char *name);

/* Steps st to its end, writing every row; returns the number of rows, or
 * -1 on an SQLite error. */
long out_rows(sqlite3_stmt *st, OutFormat fmt, FILE *out);

#endif
