/* table_out.c — query rows as table, CSV, JSON or JSON lines. */
#include "harness/store/table_out.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int out_format_parse(const char *name)
{
    static const char *const names[] = {"table", "csv", "json", "jsonl"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(name, names[i])) return i;
    return -1;
}

static void csv_field(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"') fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
        else if (c == '\n') fputs("\\n", out);
        else if (c < 0x20) fprintf(out, "\\u%04x", c);
        else fputc(c, out);
    }
    fputc('"', out);
}

/* 1 when text is valid JSON (SQLite's json_valid on the statement's own
 * database): a value stored by an older version or edited by hand is
 * written as a string instead of breaking the document. */
static int json_text_valid(sqlite3_stmt *st, const char *text)
{
    sqlite3_stmt *check = NULL;
    int valid = 0;
    if (sqlite3_prepare_v2(sqlite3_db_handle(st), "SELECT json_valid(?)", -1, &check, NULL) == SQLITE_OK &&
        sqlite3_bind_text(check, 1, text, -1, SQLITE_STATIC) == SQLITE_OK && sqlite3_step(check) == SQLITE_ROW)
        valid = sqlite3_column_int(check, 0);
    sqlite3_finalize(check);
    return valid;
}

/* A JSON value for column i: numbers bare, JSON text (objects, lists) as
 * is, other text quoted, NULL as null. */
static void json_value(FILE *out, sqlite3_stmt *st, int i)
{
    const char *text = (const char *)sqlite3_column_text(st, i);
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_NULL: fputs("null", out); break;
    case SQLITE_INTEGER: fputs(text, out); break;
    case SQLITE_FLOAT: {
        double v = sqlite3_column_double(st, i);
        if (isfinite(v)) fprintf(out, "%.17g", v);
        else fputs("null", out);
        break;
    }
    default:
        if ((text[0] == '{' || text[0] == '[') && json_text_valid(st, text)) fputs(text, out);
        else json_string(out, text);
    }
}

/* Text of a cell for table and CSV output. */
static const char *cell_text(sqlite3_stmt *st, int i, char *buf, size_t len)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL) return "";
    if (sqlite3_column_type(st, i) == SQLITE_FLOAT) {
        snprintf(buf, len, "%.8g", sqlite3_column_double(st, i));
        return buf;
    }
    return (const char *)sqlite3_column_text(st, i);
}

/* Collects every cell for the aligned table, then prints it. */
static long table(sqlite3_stmt *st, FILE *out)
{
    const int cols = sqlite3_column_count(st);
    char **cells = NULL, buf[64];
    int *width = calloc((size_t)cols, sizeof *width);
    long rows = 0, cap = 0;
    int rc;
    if (!width) return -1;
    for (int c = 0; c < cols; c++) width[c] = (int)strlen(sqlite3_column_name(st, c));
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((rows + 1) * cols > cap) {
            cap = cap ? 2 * cap : 64 * cols;
            char **grown = realloc(cells, (size_t)cap * sizeof *cells);
            if (!grown) break;
            cells = grown;
        }
        for (int c = 0; c < cols; c++) {
            char *s = strdup(cell_text(st, c, buf, sizeof buf));
            cells[rows * cols + c] = s;
            if (s && (int)strlen(s) > width[c]) width[c] = (int)strlen(s);
        }
        rows++;
    }
    for (int c = 0; c < cols; c++) fprintf(out, "%-*s%s", width[c], sqlite3_column_name(st, c), c + 1 < cols ? "  " : "\n");
    for (long r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            char *s = cells[r * cols + c];
            fprintf(out, "%-*s%s", width[c], s ? s : "", c + 1 < cols ? "  " : "\n");
            free(s);
        }
    free(cells);
    free(width);
    return rc == SQLITE_DONE ? rows : -1;
}

long out_rows(sqlite3_stmt *st, OutFormat fmt, FILE *out)
{
    if (fmt == OUT_TABLE) return table(st, out);
    const int cols = sqlite3_column_count(st);
    char buf[64];
    long rows = 0;
    int rc;
    if (fmt == OUT_CSV)
        for (int c = 0; c < cols; c++) {
            csv_field(out, sqlite3_column_name(st, c));
            fputc(c + 1 < cols ? ',' : '\n', out);
        }
    if (fmt == OUT_JSON) fputc('[', out);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (fmt == OUT_CSV) {
            for (int c = 0; c < cols; c++) {
                if (sqlite3_column_type(st, c) == SQLITE_FLOAT)
                    snprintf(buf, sizeof buf, "%.17g", sqlite3_column_double(st, c)), fputs(buf, out);
                else
                    csv_field(out, cell_text(st, c, buf, sizeof buf));
                fputc(c + 1 < cols ? ',' : '\n', out);
            }
        } else {
            if (fmt == OUT_JSON && rows) fputs(",\n", out);
            fputc('{', out);
            for (int c = 0; c < cols; c++) {
                json_string(out, sqlite3_column_name(st, c));
                fputc(':', out);
                json_value(out, st, c);
                if (c + 1 < cols) fputc(',', out);
            }
            fputc('}', out);
            if (fmt == OUT_JSONL) fputc('\n', out);
        }
        rows++;
    }
    if (fmt == OUT_JSON) fputs("]\n", out);
    return rc == SQLITE_DONE ? rows : -1;
}
