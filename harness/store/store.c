/* store.c — opening, checking and writing the SQLite result database. */
#include "harness/store/store.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness/core/hostinfo.h"
#include "harness/core/timing.h"

#define NOW_SQL "strftime('%Y-%m-%dT%H:%M:%fZ','now')"

/* Prepared statements kept across calls, per connection: the parent of a
 * sweep writes thousands of runs through the same few statements. */
typedef struct {
    sqlite3 *db;      /* connection it belongs to */
    const char *sql;  /* the statement text (a string literal: compared by address) */
    sqlite3_stmt *st; /* the prepared statement */
} CachedStatement;

static CachedStatement statement_cache[12];

/* The statement for sql on db, prepared once (reset when released); NULL on error. */
static sqlite3_stmt *cached_statement(sqlite3 *db, const char *sql)
{
    CachedStatement *free_slot = NULL;
    for (size_t i = 0; i < sizeof statement_cache / sizeof statement_cache[0]; i++) {
        CachedStatement *c = &statement_cache[i];
        if (c->db == db && c->sql == sql) return c->st; /* reset when released; every user binds every parameter */
        if (!c->db && !free_slot) free_slot = c;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) return NULL;
    if (free_slot) *free_slot = (CachedStatement){db, sql, st};
    return st;
}

/* Gives back a statement from cached_statement (finalized if it was not kept). */
static void release_statement(sqlite3 *db, sqlite3_stmt *st)
{
    for (size_t i = 0; i < sizeof statement_cache / sizeof statement_cache[0]; i++)
        if (statement_cache[i].db == db && statement_cache[i].st == st) {
            sqlite3_reset(st);
            return;
        }
    sqlite3_finalize(st);
}

int store_make_parent_dirs(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(dir, 0777) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    return 0;
}

/* ---- waiting for another writer's lock ------------------------------- */

/* The process-wide notice of store_set_wait_notice and the current wait. */
static struct {
    void (*fn)(void *ctx, double waited); /* NULL: a line on stderr */
    void *ctx;                            /* passed to fn */
    double since;                         /* when the current wait began */
    double last;                          /* when it was last reported */
} lock_wait;

void store_set_wait_notice(void (*fn)(void *ctx, double waited), void *ctx)
{
    lock_wait.fn = fn;
    lock_wait.ctx = ctx;
}

/* SQLite's busy handler: sleeps a little and retries, reporting a wait
 * longer than a second, until STORE_LOCK_WAIT_S. */
static int busy_wait(void *arg, int count)
{
    sqlite3 *db = arg;
    const double now = now_seconds();
    if (count == 0) lock_wait.since = lock_wait.last = now;
    const double waited = now - lock_wait.since;
    if (waited >= STORE_LOCK_WAIT_S) return 0;
    if (now - lock_wait.last >= 1.0) {
        lock_wait.last = now;
        if (lock_wait.fn) lock_wait.fn(lock_wait.ctx, waited);
        else
            fprintf(stderr, "optbench: %s: waiting for the database lock, held by another process (%.0f s)\n",
                    sqlite3_db_filename(db, "main"), waited);
    }
    usleep(count < 20 ? 1000 : 10000);
    return 1;
}

/* ---- opening and checking ------------------------------------------- */

/* One integer from a single-row query; an SQLite result code. */
static int query_int(sqlite3 *db, const char *sql, long long *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = SQLITE_ERROR;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? SQLITE_OK : sqlite3_extended_errcode(db);
}

/* What identifies an optbench database. */
typedef struct {
    long long app_id;  /* PRAGMA application_id */
    long long version; /* PRAGMA user_version */
    long long objects; /* tables, indexes, ... in sqlite_master; 0: a new file */
} Identity;

/* Reads the identity in one statement, so from one snapshot of a file that
 * another process may be creating; an SQLite result code. */
static int read_identity(sqlite3 *db, Identity *id)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT (SELECT application_id FROM pragma_application_id), "
                                "(SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_master)",
                                -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        id->app_id = sqlite3_column_int64(st, 0);
        id->version = sqlite3_column_int64(st, 1);
        id->objects = sqlite3_column_int64(st, 2);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? SQLITE_OK : sqlite3_extended_errcode(db);
}

/* A message for an SQLite error met while reading the file at path. */
static void describe_error(sqlite3 *db, const char *path, int rc, char *err, size_t errlen)
{
    switch (rc & 0xff) {
    case SQLITE_NOTADB: snprintf(err, errlen, "%s: not an SQLite database; refusing to touch it", path); break;
    case SQLITE_CORRUPT:
        snprintf(err, errlen, "%s: database is corrupt: %s (`optbench check %s` lists every problem)", path,
                 sqlite3_errmsg(db), path);
        break;
    default: snprintf(err, errlen, "%s: cannot read the database: %s", path, sqlite3_errmsg(db)); break;
    }
}

/* 0 when application_id and user_version are optbench's and a schema
 * version this optbench reads; else -1 with a message naming the file. */
static int check_identity(const char *path, const Identity *id, char *err, size_t errlen)
{
    if (id->app_id != STORE_APPLICATION_ID) {
        snprintf(err, errlen, "%s: an SQLite database, but not an optbench one (application_id %lld); "
                 "refusing to touch it", path, id->app_id);
        return -1;
    }
    if (id->version < STORE_OLDEST_VERSION || id->version > STORE_SCHEMA_VERSION) {
        snprintf(err, errlen, "%s: optbench schema version %lld, but this optbench reads versions %d to %d; "
                 "left untouched (use the optbench that wrote it, or a new file)", path, id->version,
                 STORE_OLDEST_VERSION, STORE_SCHEMA_VERSION);
        return -1;
    }
    return 0;
}

/* Splits a row of integrity_check or quick_check (which may hold several
 * lines) into problems, without the "*** in database X ***" headers and
 * "ok"; calls fn on each, and returns how many. */
static long each_problem(const char *text, void (*fn)(void *ctx, const char *line), void *ctx)
{
    char line[1024];
    long n = 0;
    while (text && *text) {
        const size_t len = strcspn(text, "\n");
        snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1), text);
        text += len + (text[len] == '\n');
        if (!line[0] || !strcmp(line, "ok") || !strncmp(line, "*** in database ", 16)) continue;
        if (fn) fn(ctx, line);
        n++;
    }
    return n;
}

/* Keeps the first problem of each_problem (ctx: a 512-byte buffer). */
static void keep_first(void *ctx, const char *line)
{
    char *first = ctx;
    if (!first[0]) snprintf(first, 512, "%.500s", line);
}

int store_quick_check(sqlite3 *db, const char *path, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    long problems = 0;
    char first[512] = "";
    int rc = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        problems += each_problem((const char *)sqlite3_column_text(st, 0), keep_first, first);
        rc = SQLITE_OK;
    }
    if (rc != SQLITE_DONE) describe_error(db, path, sqlite3_extended_errcode(db), err, errlen);
    else if (problems)
        snprintf(err, errlen, "%s: database is corrupt: %s%s (`optbench check %s` lists every problem)", path, first,
                 problems > 1 ? " and more" : "", path);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE && problems == 0 ? 0 : -1;
}

/* Bytes of the file path + suffix (0 when missing). */
static long long file_bytes(const char *path, const char *suffix)
{
    char name[4096];
    struct stat st;
    snprintf(name, sizeof name, "%s%s", path, suffix);
    return stat(name, &st) == 0 ? (long long)st.st_size : 0;
}

double store_column_real(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

long long store_bytes(const char *path) { return file_bytes(path, "") + file_bytes(path, "-wal"); }

/* The read-only URI of path (immutable: no locks, no -shm). */
static void readonly_uri(const char *path, int immutable, char *uri, size_t len)
{
    size_t used = (size_t)snprintf(uri, len, "file:");
    for (const unsigned char *c = (const unsigned char *)path; *c && used + 4 < len; c++) {
        if (isalnum(*c) || strchr("/-_.~", *c)) uri[used++] = (char)*c;
        else used += (size_t)snprintf(uri + used, len - used, "%%%02X", *c);
    }
    snprintf(uri + used, len - used, "?mode=ro%s", immutable ? "&immutable=1" : "");
}

/* Opens path read-only through its URI. */
static int open_uri(const char *path, int immutable, sqlite3 **db)
{
    char uri[8192];
    readonly_uri(path, immutable, uri, sizeof uri);
    return sqlite3_open_v2(uri, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
}

/* Opens path read-write, creating it when missing. The connection takes
 * URIs, so that store_attach_readonly can attach a read-only one; a path
 * that itself begins with "file:" is opened as ./file:..., a file name. */
static int open_writable(const char *path, sqlite3 **db)
{
    char name[8192];
    snprintf(name, sizeof name, "%s%s", strncmp(path, "file:", 5) ? "" : "./", path);
    return sqlite3_open_v2(name, db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
                           NULL);
}

/* 1 when an SQLite result code says a read-only open needs files it cannot
 * create (the -shm of a WAL database in a read-only folder). */
static int cannot_create_shm(int rc)
{
    return (rc & 0xff) == SQLITE_READONLY || (rc & 0xff) == SQLITE_CANTOPEN;
}

/* 1 when such a database can be read as immutable: its WAL file, if any,
 * holds nothing (an empty one is left by read-only connections). */
static int needs_immutable(const char *path, int rc)
{
    return cannot_create_shm(rc) && file_bytes(path, "-wal") == 0;
}

int store_attach_readonly(sqlite3 *db, const char *path, const char *as)
{
    char uri[8192], *attach = sqlite3_mprintf("ATTACH ? AS \"%w\"", as), *probe = sqlite3_mprintf("PRAGMA \"%w\".user_version", as),
         *detach = sqlite3_mprintf("DETACH \"%w\"", as);
    sqlite3_stmt *st = NULL;
    int rc = SQLITE_NOMEM;
    for (int immutable = 0; attach && probe && detach && immutable < 2; immutable++) {
        readonly_uri(path, immutable, uri, sizeof uri);
        rc = sqlite3_prepare_v2(db, attach, -1, &st, NULL);
        if (rc == SQLITE_OK) sqlite3_bind_text(st, 1, uri, -1, SQLITE_STATIC);
        if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_DONE) rc = SQLITE_OK;
        sqlite3_finalize(st);
        st = NULL;
        /* a WAL database needs its -shm at the first read, not at ATTACH */
        if (rc == SQLITE_OK) rc = sqlite3_exec(db, probe, NULL, NULL, NULL);
        if (rc == SQLITE_OK || immutable || !needs_immutable(path, rc)) break;
        sqlite3_exec(db, detach, NULL, NULL, NULL);
    }
    sqlite3_free(attach);
    sqlite3_free(probe);
    sqlite3_free(detach);
    return rc;
}

/* -1 with a "read-only" message when this process cannot write the
 * database at path or the folder its WAL files go to. */
static int check_writable(const char *path, char *err, size_t errlen)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) slash[slash == dir] = 0;
    else snprintf(dir, sizeof dir, ".");
    if (access(path, F_OK) == 0 && access(path, W_OK) != 0) {
        snprintf(err, errlen, "%s: the database is read-only (%s); a sweep or run cannot record into it",
                 path, strerror(errno));
        return -1;
    }
    if (access(dir, W_OK) != 0) {
        snprintf(err, errlen, "%s: the database is read-only: its folder %s is not writable (%s); "
                 "a sweep or run cannot record into it", path, dir, strerror(errno));
        return -1;
    }
    return 0;
}

/* Creates the schema in a new, empty database, unless another process did
 * it first (then *id is re-read). */
static int create_schema(sqlite3 *db, const char *path, Identity *id, char *err, size_t errlen)
{
    char pragmas[128], *msg = NULL;
    int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg);
    if (rc == SQLITE_OK) rc = read_identity(db, id);
    if (rc == SQLITE_OK && id->app_id == 0 && id->version == 0 && id->objects == 0) {
        snprintf(pragmas, sizeof pragmas, "PRAGMA application_id = %d; PRAGMA user_version = %d;",
                 STORE_APPLICATION_ID, STORE_SCHEMA_VERSION);
        rc = sqlite3_exec(db, store_schema_sql, NULL, NULL, &msg);
        if (rc == SQLITE_OK) rc = sqlite3_exec(db, pragmas, NULL, NULL, &msg);
        if (rc == SQLITE_OK) rc = read_identity(db, id);
    }
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, "COMMIT", NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot create the schema: %s", path, msg ? msg : sqlite3_errmsg(db));
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    }
    sqlite3_free(msg);
    return rc == SQLITE_OK ? 0 : -1;
}

/* What each older version lacks, added at the end of its tables: [v] brings
 * version v to v + 1. */
static const char *const upgrade_sql[STORE_SCHEMA_VERSION] = {
    [1] = "ALTER TABLE runs ADD COLUMN owner TEXT",
    [2] = "ALTER TABLE sweeps ADD COLUMN machine TEXT; ALTER TABLE runs ADD COLUMN threads INTEGER; "
          "ALTER TABLE runs ADD COLUMN flops_per_step REAL; ALTER TABLE runs ADD COLUMN flops_per_eval REAL; "
          "ALTER TABLE runs ADD COLUMN gflops REAL; ALTER TABLE runs ADD COLUMN sgemm_gflops REAL",
    /* the status 'pruned': the CHECK of runs.status is widened in place, by
     * SQLite's documented procedure for loosening a constraint (the table's
     * text in sqlite_master is rewritten, then the schema cookie bumped by
     * upgrade_schema); every stored row satisfies the wider one, so no row
     * is touched */
    [3] = "PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = replace(sql, '''timeout'')', "
          "'''timeout'',''pruned'')') WHERE type = 'table' AND name = 'runs'; PRAGMA writable_schema = OFF",
    [4] = "ALTER TABLE metrics ADD COLUMN grad_norm REAL; ALTER TABLE metrics ADD COLUMN clipped_grad_norm REAL; "
          "ALTER TABLE metrics ADD COLUMN update_norm REAL; ALTER TABLE metrics ADD COLUMN param_norm REAL",
    [5] = "ALTER TABLE runs ADD COLUMN group_state TEXT",
    [6] = "ALTER TABLE sweeps ADD COLUMN plugins TEXT",
    [7] = "ALTER TABLE runs ADD COLUMN machine TEXT",
};

/* Tells every connection that sqlite_master was rewritten (the last step
 * of SQLite's procedure for changing a table's text in place). */
static int bump_schema_cookie(sqlite3 *db, char **msg)
{
    long long cookie = 0;
    char sql[128];
    int rc = query_int(db, "PRAGMA schema_version", &cookie);
    snprintf(sql, sizeof sql, "PRAGMA writable_schema = ON; PRAGMA schema_version = %lld; PRAGMA writable_schema = OFF",
             cookie + 1);
    return rc == SQLITE_OK ? sqlite3_exec(db, sql, NULL, NULL, msg) : rc;
}

/* Brings an older database to this version, in one transaction. */
static int upgrade_schema(sqlite3 *db, const char *path, char *err, size_t errlen)
{
    long long version = 0, from = 0;
    char sql[64], *msg = NULL;
    int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg);
    if (rc == SQLITE_OK) rc = query_int(db, "PRAGMA user_version", &version);
    from = version;
    for (; rc == SQLITE_OK && version >= STORE_OLDEST_VERSION && version < STORE_SCHEMA_VERSION; version++) {
        rc = sqlite3_exec(db, upgrade_sql[version], NULL, NULL, &msg);
        /* after the text of a table is rewritten, before any later step
         * (an ALTER TABLE reads the table's text at offsets of its own copy) */
        if (rc == SQLITE_OK && version == 3) rc = bump_schema_cookie(db, &msg);
    }
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, "COMMIT", NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot upgrade schema version %lld: %s", path, from, msg ? msg : sqlite3_errmsg(db));
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    }
    sqlite3_free(msg);
    return rc == SQLITE_OK ? 0 : -1;
}

/* Records the journal mode a PRAGMA journal_mode answers. */
static int note_mode(void *arg, int ncol, char **val, char **name)
{
    (void)name;
    if (ncol > 0 && val[0]) snprintf(arg, 16, "%s", val[0]);
    return 0;
}

/* WAL, normal sync and foreign keys for a writer. Leaving rollback mode
 * needs the file to itself, and SQLite answers "database is locked" at once,
 * without the busy handler, while another connection reads it (two sweeps
 * starting together on a new file): retry for as long as a lock is waited
 * for elsewhere. An SQLite result code. */
static int set_write_mode(sqlite3 *db)
{
    const double start = now_seconds();
    char mode[16];
    int rc;
    for (;;) {
        mode[0] = 0;
        rc = sqlite3_exec(db, "PRAGMA journal_mode = WAL", note_mode, mode, NULL);
        if (rc == SQLITE_OK && strcmp(mode, "wal") == 0) break;
        if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) return rc;
        if (now_seconds() - start >= STORE_LOCK_WAIT_S) return rc == SQLITE_OK ? SQLITE_BUSY : rc;
        usleep(10000);
    }
    return sqlite3_exec(db, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON", NULL, NULL, NULL);
}

/* Opens and checks a database; writable ones are created when missing. */
static int open_checked(const char *path, int writable, sqlite3 **out, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    Identity id = {0};
    int rc = -1, sql_rc;
    *out = NULL;
    if (!writable && access(path, R_OK) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        goto cleanup;
    }
    if (writable && store_make_parent_dirs(path) != 0) {
        snprintf(err, errlen, "%s: cannot create its folder: %s", path, strerror(errno));
        goto cleanup;
    }
    if (writable && check_writable(path, err, errlen)) goto cleanup;
    /* no mutex: a connection is only ever used by the thread that opened it */
    sql_rc = writable ? open_writable(path, &db) : open_uri(path, 0, &db);
    if (sql_rc == SQLITE_OK) {
        sqlite3_busy_handler(db, busy_wait, db);
        sql_rc = read_identity(db, &id);
    }
    /* a read-only WAL database whose -shm cannot be created here: with no
     * WAL file there is nothing but the file itself to read */
    if (!writable && needs_immutable(path, sql_rc)) {
        sqlite3_close(db);
        db = NULL;
        sql_rc = open_uri(path, 1, &db);
        if (sql_rc == SQLITE_OK) sql_rc = read_identity(db, &id);
    }
    if (sql_rc != SQLITE_OK && !writable && cannot_create_shm(sql_rc) && file_bytes(path, "-wal") > 0) {
        snprintf(err, errlen, "%s: cannot read it read-only: %s-wal holds changes not yet in the file, and its -shm "
                 "file cannot be created in that folder; fold them in where the folder is writable: "
                 "sqlite3 %s 'PRAGMA wal_checkpoint(TRUNCATE)'", path, path, path);
        goto cleanup;
    }
    if (sql_rc != SQLITE_OK) {
        if (db) describe_error(db, path, sql_rc, err, errlen);
        else snprintf(err, errlen, "%s: cannot open: out of memory", path);
        goto cleanup;
    }
    if (writable && sqlite3_db_readonly(db, "main") == 1) {
        snprintf(err, errlen, "%s: the database is read-only; a sweep or run cannot record into it", path);
        goto cleanup;
    }
    const int empty = id.app_id == 0 && id.version == 0 && id.objects == 0;
    if (empty && !writable) {
        snprintf(err, errlen, "%s: an empty database, not an optbench one", path);
        goto cleanup;
    }
    if (empty && create_schema(db, path, &id, err, errlen)) goto cleanup;
    if (check_identity(path, &id, err, errlen)) goto cleanup;
    if (store_bytes(path) <= STORE_QUICK_CHECK_MAX_BYTES && store_quick_check(db, path, err, errlen)) goto cleanup;
    if (writable && id.version < STORE_SCHEMA_VERSION && upgrade_schema(db, path, err, errlen)) goto cleanup;
    if (writable && set_write_mode(db) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
        goto cleanup;
    }
    *out = db;
    db = NULL;
    rc = 0;
cleanup:
    sqlite3_close(db);
    return rc;
}

/* Every difference between the schema of the attached database `db` and
 * results/schema.sql (attached as main), one per row; an older database may
 * lack the columns its upgrades would add (temp.allowed). */
static const char schema_diff_sql[] =
    "SELECT 'missing ' || m.type || ' ' || m.name FROM main.sqlite_master m WHERE m.name NOT LIKE 'sqlite_%' "
    "AND NOT EXISTS (SELECT 1 FROM db.sqlite_master d WHERE d.name = m.name AND d.type = m.type) "
    "UNION ALL SELECT 'unexpected ' || d.type || ' ' || d.name FROM db.sqlite_master d "
    "WHERE d.name NOT LIKE 'sqlite_%' "
    "AND NOT EXISTS (SELECT 1 FROM main.sqlite_master m WHERE m.name = d.name AND m.type = d.type) "
    "UNION ALL SELECT 'table ' || t.name || ': column ' || c.name || ' missing or of another type' "
    "FROM main.sqlite_master t, pragma_table_info(t.name, 'main') c "
    "WHERE t.type = 'table' AND EXISTS (SELECT 1 FROM db.sqlite_master d WHERE d.name = t.name) "
    "AND NOT EXISTS (SELECT 1 FROM temp.allowed a WHERE a.tbl = t.name AND a.col = c.name) "
    "AND NOT EXISTS (SELECT 1 FROM pragma_table_info(t.name, 'db') x WHERE x.name = c.name AND x.type = c.type "
    "AND x.\"notnull\" = c.\"notnull\" AND x.pk = c.pk) "
    "UNION ALL SELECT 'table ' || t.name || ': unexpected column ' || x.name "
    "FROM main.sqlite_master t, pragma_table_info(t.name, 'db') x WHERE t.type = 'table' "
    "AND NOT EXISTS (SELECT 1 FROM pragma_table_info(t.name, 'main') c WHERE c.name = x.name)";

/* Rows of the attached database `db` whose foreign key finds no row, per
 * table, one line each. */
static const char foreign_key_sql[] =
    "SELECT count(*) || iif(count(*) = 1, ' row of ', ' rows of ') || \"table\" || "
    "iif(count(*) = 1, ' refers', ' refer') || ' to no row of ' || parent "
    "FROM pragma_foreign_key_check(NULL, 'db') GROUP BY \"table\", parent";

/* Where report_rows sends each problem, with its prefix. */
typedef struct {
    const char *prefix;                          /* "integrity: ", ... */
    void (*fn)(void *ctx, const char *problem);  /* store_check's callback */
    void *ctx;                                   /* its context */
} ProblemSink;

static void prefixed(void *ctx, const char *line)
{
    const ProblemSink *sink = ctx;
    char text[1100];
    snprintf(text, sizeof text, "%s%s", sink->prefix, line);
    sink->fn(sink->ctx, text);
}

/* Runs a query whose rows are problems (each_problem), passing each to fn;
 * returns how many, with an SQLite error counted as one. */
static long report_rows(sqlite3 *db, const char *sql, const char *prefix,
                        void (*fn)(void *ctx, const char *problem), void *ctx)
{
    sqlite3_stmt *st = NULL;
    char line[1024];
    ProblemSink sink = {prefix, fn, ctx};
    long problems = 0;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        problems += each_problem((const char *)sqlite3_column_text(st, 0), prefixed, &sink);
        rc = SQLITE_OK;
    }
    if (rc != SQLITE_DONE) {
        const int code = sqlite3_extended_errcode(db) & 0xff;
        snprintf(line, sizeof line, "%s%s", prefix,
                 code == SQLITE_NOTADB ? "not an SQLite database"
                 : code == SQLITE_CORRUPT ? "database is corrupt: the check stopped at a malformed page"
                                          : sqlite3_errmsg(db));
        fn(ctx, line);
        problems++;
    }
    sqlite3_finalize(st);
    return problems;
}

/* Fills temp.allowed (tbl, col) with the columns that upgrade_sql adds to a
 * database of this version; an SQLite result code. */
static int allowed_missing(sqlite3 *ref, long long version)
{
    sqlite3_stmt *add = NULL;
    char table[64], column[64];
    int rc = sqlite3_exec(ref, "CREATE TEMP TABLE allowed (tbl TEXT, col TEXT)", NULL, NULL, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(ref, "INSERT INTO temp.allowed VALUES (?, ?)", -1, &add, NULL);
    for (long long v = version < STORE_OLDEST_VERSION ? STORE_SCHEMA_VERSION : version;
         rc == SQLITE_OK && v < STORE_SCHEMA_VERSION; v++)
        for (const char *s = upgrade_sql[v]; rc == SQLITE_OK && s && *s; s += strcspn(s, ";"), s += *s == ';') {
            if (sscanf(s, " ALTER TABLE %63s ADD COLUMN %63s", table, column) != 2) continue;
            sqlite3_reset(add);
            sqlite3_bind_text(add, 1, table, -1, SQLITE_STATIC);
            sqlite3_bind_text(add, 2, column, -1, SQLITE_STATIC);
            rc = sqlite3_step(add) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
        }
    sqlite3_finalize(add);
    return rc;
}

long store_check(const char *path, void (*fn)(void *ctx, const char *problem), void *ctx, char *err, size_t errlen)
{
    sqlite3 *ref = NULL;
    sqlite3_stmt *st = NULL;
    char line[512];
    long long app_id = 0, version = 0;
    long problems = -1;
    if (access(path, R_OK) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (sqlite3_open_v2(":memory:", &ref, SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI, NULL) != SQLITE_OK ||
        sqlite3_exec(ref, store_schema_sql, NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "the reference schema: %s", ref ? sqlite3_errmsg(ref) : "out of memory");
        goto cleanup;
    }
    int rc = store_attach_readonly(ref, path, "db");
    if (rc == SQLITE_OK) rc = query_int(ref, "PRAGMA db.application_id", &app_id);
    if (rc == SQLITE_OK) rc = query_int(ref, "PRAGMA db.user_version", &version);
    problems = 0;
    if (rc != SQLITE_OK) {
        /* the file cannot be read as SQLite at all: that is the problem */
        describe_error(ref, path, rc, line, sizeof line);
        fn(ctx, line);
        problems = 1;
        goto cleanup;
    }
    if (app_id != STORE_APPLICATION_ID) {
        snprintf(line, sizeof line, "application_id %lld, not optbench's %d", app_id, STORE_APPLICATION_ID);
        fn(ctx, line);
        problems++;
    }
    if (version < STORE_OLDEST_VERSION || version > STORE_SCHEMA_VERSION) {
        snprintf(line, sizeof line, "schema version (user_version) %lld, not one this optbench reads (%d to %d)",
                 version, STORE_OLDEST_VERSION, STORE_SCHEMA_VERSION);
        fn(ctx, line);
        problems++;
    }
    problems += report_rows(ref, "PRAGMA db.integrity_check", "integrity: ", fn, ctx);
    /* a sweep writes its results without the per-row foreign-key probe
     * (store_set_foreign_keys): the references are checked here instead */
    if (problems == 0) problems += report_rows(ref, foreign_key_sql, "foreign key: ", fn, ctx);
    if (allowed_missing(ref, version) != SQLITE_OK) {
        snprintf(err, errlen, "the reference schema: %s", sqlite3_errmsg(ref));
        problems = -1;
        goto cleanup;
    }
    problems += report_rows(ref, schema_diff_sql, "schema: ", fn, ctx);
cleanup:
    sqlite3_finalize(st);
    sqlite3_close(ref);
    return problems;
}

int store_open(const char *path, sqlite3 **out, char *err, size_t errlen)
{
    return open_checked(path, 1, out, err, errlen);
}

int store_open_readonly(const char *path, sqlite3 **out, char *err, size_t errlen)
{
    return open_checked(path, 0, out, err, errlen);
}

void store_close(sqlite3 *db)
{
    store_checkpoint_stop(db);
    for (size_t i = 0; i < sizeof statement_cache / sizeof statement_cache[0]; i++)
        if (statement_cache[i].db == db && db) {
            sqlite3_finalize(statement_cache[i].st);
            statement_cache[i] = (CachedStatement){0};
        }
    sqlite3_close(db);
}

/* Binds a double, NULL for NAN. */
static int bind_real(sqlite3_stmt *st, int i, double x)
{
    return isnan(x) ? sqlite3_bind_null(st, i) : sqlite3_bind_double(st, i, x);
}

const char *store_error(sqlite3 *db) { return sqlite3_errmsg(db); }

int store_find_sweep(sqlite3 *db, const char *name, int64_t *id)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT id FROM sweeps WHERE name = ?", -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int store_sweep(sqlite3 *db, const char *name, const char *spec, const char *device_name,
                int64_t *id, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    char host[256];
    int found = store_find_sweep(db, name, id);
    int rc = found == 0 ? SQLITE_DONE : SQLITE_ERROR;
    if (found != 1) goto cleanup;
    host_name(host, sizeof host);
    /* another process may insert it first: then its row is the sweep */
    rc = sqlite3_prepare_v2(db,
                            "INSERT INTO sweeps (name, spec, created_at, version, host, device_name) "
                            "VALUES (?, ?, " NOW_SQL ", ?, ?, ?) ON CONFLICT (name) DO NOTHING",
                            -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 2, spec, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 3, OPTBENCH_VERSION, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 4, host, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 5, device_name, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) rc = store_find_sweep(db, name, id) == 0 ? SQLITE_DONE : SQLITE_ERROR;
cleanup:
    if (rc != SQLITE_DONE) snprintf(err, errlen, "sweep '%s': %s", name, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_sweep_machine(sqlite3 *db, int64_t sweep_id, const char *machine, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    /* a sweep of runs without a machine (from before schema 3) keeps none:
     * where those ran is not known */
    int rc = sqlite3_prepare_v2(db,
                                "UPDATE sweeps SET machine = ?1 WHERE id = ?2 AND machine IS NULL "
                                "AND NOT EXISTS (SELECT 1 FROM runs WHERE sweep_id = ?2)",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 1, machine, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 2, sweep_id);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) snprintf(err, errlen, "sweep %lld: %s", (long long)sweep_id, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* The SQL of one line of text of the machine JSON (sweeps.machine,
 * runs.machine) in the column m. */
#define MACHINE_TEXT(m)                                                                                            \
    "printf('%s, %d cores; %s (kernels %s); %d jobs x %d threads', json_extract(" m ", '$.cpu'), "                   \
    "json_extract(" m ", '$.cores'), json_extract(" m ", '$.blas'), json_extract(" m ", '$.blas_core'), "          \
    "json_extract(" m ", '$.jobs'), iif(json_extract(" m ", '$.threads_per_job') = 0, "                             \
    "max(1, json_extract(" m ", '$.cores') / json_extract(" m ", '$.jobs')), json_extract(" m ", '$.threads_per_job')))"

void store_get_machine(sqlite3 *db, const char *sweep, char *buf, size_t len)
{
    /* each machine the sweep's runs ran on (a merge of shards from several
     * keeps each shard's), with its count of runs when there are several;
     * a database before version 8 has no runs.machine, one before 3 no
     * sweeps.machine: the first or both fail to prepare */
    static const char *const sql[] = {
        "SELECT group_concat(" MACHINE_TEXT("m") " || iif(k > 1, printf(' (%d runs)', n), ''), '; ') FROM ("
        "SELECT m, n, count(*) OVER () AS k FROM (SELECT coalesce(r.machine, s.machine) AS m, count(*) AS n "
        "FROM sweeps s LEFT JOIN runs r ON r.sweep_id = s.id WHERE s.name = ?1 GROUP BY 1) "
        "WHERE m IS NOT NULL ORDER BY n DESC, m)",
        "SELECT " MACHINE_TEXT("machine") " FROM sweeps WHERE name = ?1 AND machine IS NOT NULL",
    };
    sqlite3_stmt *st = NULL;
    buf[0] = 0;
    for (size_t i = 0; i < sizeof sql / sizeof *sql; i++) {
        if (sqlite3_prepare_v2(db, sql[i], -1, &st, NULL) != SQLITE_OK) continue;
        if (sqlite3_bind_text(st, 1, sweep, -1, SQLITE_STATIC) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
            sqlite3_column_text(st, 0))
            snprintf(buf, len, "%s", (const char *)sqlite3_column_text(st, 0));
        break;
    }
    sqlite3_finalize(st);
}

/* Statements of one claim transaction. */
typedef struct {
    sqlite3_stmt *find;      /* a key's row: id, status, owner */
    sqlite3_stmt *drop_rows; /* metrics of a run */
    sqlite3_stmt *drop_run;  /* a run */
    sqlite3_stmt *insert;    /* a new pending run */
} ClaimStatements;

/* What an existing row of status/owner means for `owner`. */
static ClaimState existing_state(const char *status, const char *row_owner, const char *owner)
{
    if (!strcmp(status, "done") || !strcmp(status, "diverged") || !strcmp(status, "pruned")) return CLAIM_FINISHED;
    if ((!strcmp(status, "pending") || !strcmp(status, "running")) && row_owner && strcmp(row_owner, owner) &&
        host_process_alive(row_owner))
        return CLAIM_BUSY;
    return CLAIM_RUN; /* failed, timeout, or left unfinished by a process that is gone */
}

/* Inserts a pending run of cfg (canonical text and key given) for owner
 * on machine (kept in runs.machine where it is not the sweep's); an SQLite
 * result code. */
static int insert_run(sqlite3 *db, sqlite3_stmt *insert, int64_t sweep_id, const char *owner, const char *machine,
                      const RunConfig *cfg, const char *canonical, const char *key, int64_t *run_id)
{
    char prob[CONFIG_TEXT_MAX], hp[CONFIG_TEXT_MAX], sched[512];
    if (params_json(&cfg->problem_opts, prob, sizeof prob) || params_json(&cfg->hparams, hp, sizeof hp) ||
        config_schedule_json(cfg, sched, sizeof sched))
        return SQLITE_TOOBIG;
    sqlite3_reset(insert);
    sqlite3_bind_int64(insert, 1, sweep_id);
    sqlite3_bind_text(insert, 2, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 3, canonical, -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 4, cfg->problem->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 5, prob, -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 6, cfg->optimizer->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 7, hp, -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 8, sched, -1, SQLITE_STATIC);
    sqlite3_bind_double(insert, 9, cfg->clip);
    sqlite3_bind_int(insert, 10, cfg->accum);
    sqlite3_bind_int64(insert, 11, (sqlite3_int64)cfg->seed);
    sqlite3_bind_text(insert, 12, device_name(cfg->device), -1, SQLITE_STATIC);
    sqlite3_bind_int64(insert, 13, cfg->steps);
    sqlite3_bind_int64(insert, 14, cfg->log_every);
    sqlite3_bind_int64(insert, 15, cfg->eval_every);
    sqlite3_bind_double(insert, 16, config_target(cfg));
    sqlite3_bind_text(insert, 17, owner, -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 18, machine, -1, SQLITE_STATIC);
    int rc = sqlite3_step(insert);
    if (rc != SQLITE_DONE) return rc;
    *run_id = sqlite3_last_insert_rowid(db);
    return SQLITE_OK;
}

/* Claims one configuration (store_claim_runs); an SQLite result code. */
static int claim_one(sqlite3 *db, ClaimStatements *cs, int64_t sweep_id, const char *owner, const char *machine,
                     const RunConfig *cfg, int64_t *run_id, unsigned char *state, char *busy_owner, size_t len)
{
    char canonical[CONFIG_TEXT_MAX], key[KEY_TEXT_MAX];
    if (config_canonical(cfg, canonical, sizeof canonical)) return SQLITE_TOOBIG;
    config_key(canonical, key);
    sqlite3_reset(cs->find);
    sqlite3_bind_int64(cs->find, 1, sweep_id);
    sqlite3_bind_text(cs->find, 2, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(cs->find);
    *state = CLAIM_RUN;
    if (rc == SQLITE_ROW) {
        const char *row_owner = (const char *)sqlite3_column_text(cs->find, 2);
        *run_id = sqlite3_column_int64(cs->find, 0);
        *state = (unsigned char)existing_state((const char *)sqlite3_column_text(cs->find, 1), row_owner, owner);
        if (*state == CLAIM_BUSY && !busy_owner[0]) snprintf(busy_owner, len, "%s", row_owner);
        if (*state != CLAIM_RUN) return SQLITE_OK;
        /* an unfinished attempt: drop it and its rows, then insert afresh */
        sqlite3_reset(cs->drop_rows);
        sqlite3_bind_int64(cs->drop_rows, 1, *run_id);
        rc = sqlite3_step(cs->drop_rows);
        if (rc == SQLITE_DONE) {
            sqlite3_reset(cs->drop_run);
            sqlite3_bind_int64(cs->drop_run, 1, *run_id);
            rc = sqlite3_step(cs->drop_run);
        }
    }
    if (rc != SQLITE_DONE) return rc;
    return insert_run(db, cs->insert, sweep_id, owner, machine, cfg, canonical, key, run_id);
}

int store_claim_runs(sqlite3 *db, int64_t sweep_id, const char *owner, const char *machine, const RunConfig *cfgs,
                     long n, int64_t *run_ids, unsigned char *state, char *busy_owner, size_t len, char *err,
                     size_t errlen)
{
    ClaimStatements cs = {0};
    int rc = sqlite3_prepare_v2(db, "SELECT id, status, owner FROM runs WHERE sweep_id = ? AND key = ?", -1, &cs.find, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(db, "DELETE FROM metrics WHERE run_id = ?", -1, &cs.drop_rows, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(db, "DELETE FROM runs WHERE id = ?", -1, &cs.drop_run, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(
            db,
            "INSERT INTO runs (sweep_id, key, config, problem, problem_options, optimizer, hyperparameters, "
            "schedule, clip, accum, seed, device, steps, log_every, eval_every, status, target_loss, owner, "
            "machine) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'pending',?,?,"
            "iif(?18 IS NOT (SELECT machine FROM sweeps WHERE id = ?1), ?18, NULL))",
            -1, &cs.insert, NULL);
    busy_owner[0] = 0;
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    for (long i = 0; i < n && rc == SQLITE_OK; i++)
        rc = claim_one(db, &cs, sweep_id, owner, machine, &cfgs[i], &run_ids[i], &state[i], busy_owner, len);
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "claiming runs: %s", rc == SQLITE_TOOBIG ? "configuration too long" : sqlite3_errmsg(db));
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    }
    sqlite3_finalize(cs.find);
    sqlite3_finalize(cs.drop_rows);
    sqlite3_finalize(cs.drop_run);
    sqlite3_finalize(cs.insert);
    return rc == SQLITE_OK ? 0 : -1;
}

int store_set_foreign_keys(sqlite3 *db, int on, char *err, size_t errlen)
{
    if (sqlite3_exec(db, on ? "PRAGMA foreign_keys = ON" : "PRAGMA foreign_keys = OFF", NULL, NULL, NULL) == SQLITE_OK)
        return 0;
    snprintf(err, errlen, "setting foreign_keys: %s", sqlite3_errmsg(db));
    return -1;
}

int store_begin(sqlite3 *db, char *err, size_t errlen)
{
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK) return 0;
    snprintf(err, errlen, "starting a transaction: %s", sqlite3_errmsg(db));
    return -1;
}

int store_commit(sqlite3 *db, char *err, size_t errlen)
{
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK) return 0;
    snprintf(err, errlen, "committing: %s", sqlite3_errmsg(db));
    store_rollback(db);
    return -1;
}

void store_rollback(sqlite3 *db) { sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL); }

/* The UTC text of t (seconds since the epoch) as NOW_SQL writes it:
 * 2026-01-31T12:34:56.789Z. */
static void timestamp_text(double t, char buf[32])
{
    const long long ms = (long long)(t * 1000.0);
    const time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    const size_t len = strftime(buf, 24, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + len, 32 - len, ".%03dZ", (int)(ms % 1000));
}

static const char set_status_sql[] = "UPDATE runs SET status = ?1, started_at = coalesce(?3, started_at) WHERE id = ?2";

int store_set_status(sqlite3 *db, int64_t run_id, RunStatus status, double started, char *err, size_t errlen)
{
    sqlite3_stmt *st = cached_statement(db, set_status_sql);
    int rc = st ? SQLITE_OK : SQLITE_ERROR;
    if (rc == SQLITE_OK) {
        char when[32];
        timestamp_text(started, when);
        sqlite3_bind_text(st, 1, run_status_name(status), -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, run_id);
        if (started > 0) sqlite3_bind_text(st, 3, when, -1, SQLITE_TRANSIENT);
        else sqlite3_bind_null(st, 3);
        rc = sqlite3_step(st);
    }
    if (rc != SQLITE_DONE) snprintf(err, errlen, "run %lld: %s", (long long)run_id, sqlite3_errmsg(db));
    if (st) release_statement(db, st);
    return rc == SQLITE_DONE ? 0 : -1;
}

#define METRIC_COLUMNS (7 + N_NORMS) /* run_id, step, loss, eval_loss, eval_accuracy, lr, elapsed, the norms */
#define METRIC_BATCHES 8 /* multi-row INSERTs of 1, 2, 4, ... 128 rows */

/* The INSERT of 2^k metrics rows (k < METRIC_BATCHES), built on first use
 * (at a fixed address, as cached_statement wants). A run's rows go in the
 * fewest such statements (101 rows: 64 + 32 + 4 + 1): one statement step
 * per batch instead of per row (BENCHMARKS.md). */
static const char *insert_metric_sql(int k)
{
    static char sql[METRIC_BATCHES][512 + (2 << METRIC_BATCHES) * (METRIC_COLUMNS + 1)];
    char *text = sql[k];
    const size_t cap = sizeof sql[k];
    if (!text[0]) {
        size_t len = (size_t)snprintf(text, cap, "INSERT INTO metrics (run_id, step, loss, eval_loss, eval_accuracy, "
                                                 "lr, elapsed");
        for (int c = 0; c < N_NORMS; c++) len += (size_t)snprintf(text + len, cap - len, ", %s", row_norm_name(c));
        len += (size_t)snprintf(text + len, cap - len, ") VALUES ");
        for (int i = 0; i < 1 << k; i++)
            for (int c = 0; c < METRIC_COLUMNS; c++)
                len += (size_t)snprintf(text + len, cap - len, "%s%s", c ? "," : i ? ",(" : "(",
                                        c == METRIC_COLUMNS - 1 ? "?)" : "?");
    }
    return text;
}

/* Binds rows[0..n) of run_id to st's parameters from 1 on; an SQLite result code. */
static int bind_metrics(sqlite3_stmt *st, int64_t run_id, const MetricRow *rows, long n)
{
    int rc = SQLITE_OK;
    for (long i = 0; i < n && rc == SQLITE_OK; i++) {
        const MetricRow *r = &rows[i];
        const int at = (int)i * METRIC_COLUMNS;
        rc = sqlite3_bind_int64(st, at + 1, run_id);
        if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, at + 2, r->step);
        if (rc == SQLITE_OK) rc = bind_real(st, at + 3, r->loss);
        if (rc == SQLITE_OK) rc = bind_real(st, at + 4, r->eval_loss);
        if (rc == SQLITE_OK) rc = bind_real(st, at + 5, r->eval_accuracy);
        if (rc == SQLITE_OK) rc = bind_real(st, at + 6, r->lr);
        if (rc == SQLITE_OK) rc = bind_real(st, at + 7, r->elapsed);
        for (int k = 0; k < N_NORMS && rc == SQLITE_OK; k++) rc = bind_real(st, at + 8 + k, r->norm[k]);
    }
    return rc;
}

static const char update_run_sql[] =
    "UPDATE runs SET status = ?, error = ?, started_at = coalesce(?, started_at), finished_at = ?, owner = NULL, "
    "steps_done = ?, "
    "first_loss = ?, final_loss = ?, best_loss = ?, eval_loss = ?, eval_accuracy = ?, "
    "target_loss = ?, steps_to_target = ?, seconds_to_target = ?, n_params = ?, "
    "param_bytes = ?, grad_bytes = ?, state_bytes = ?, activation_bytes = ?, peak_bytes = ?, "
    "peak_rss = ?, device_peak_bytes = ?, device_used_bytes = ?, fb_time_median = ?, fb_time_p90 = ?, opt_time_median = ?, "
    "opt_time_p90 = ?, step_time_median = ?, step_time_p90 = ?, wall_seconds = ?, threads = ?, flops_per_step = ?, "
    "flops_per_eval = ?, gflops = ?, sgemm_gflops = ?, group_state = ? WHERE id = ?";

/* runs.group_state of sum: each group with parameters, its floats and
 * state bytes; "" when the run ended before its sizes were known. */
static void group_state_json(const RunSummary *sum, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = 0;
    for (int g = 0; g < N_ROLES && at < len; g++)
        if (sum->group_params[g] > 0)
            at += (size_t)snprintf(buf + at, len - at, "%s\"%s\":{\"params\":%ld,\"state_bytes\":%ld}",
                                   at ? "," : "{", group_name((TensorRole)g), sum->group_params[g],
                                   sum->group_state_bytes[g]);
    if (at && at < len) snprintf(buf + at, len - at, "}");
}

/* Inserts a run's metrics rows, the largest batches first (the binary
 * digits of n_rows); an SQLite result code. */
static int insert_metrics(sqlite3 *db, int64_t run_id, const MetricRow *rows, long n_rows)
{
    int rc = SQLITE_OK;
    for (long i = 0; i < n_rows && rc == SQLITE_OK;) {
        int k = METRIC_BATCHES - 1;
        while (1L << k > n_rows - i) k--;
        sqlite3_stmt *st = cached_statement(db, insert_metric_sql(k));
        rc = st ? bind_metrics(st, run_id, rows + i, 1L << k) : SQLITE_ERROR;
        if (rc == SQLITE_OK) rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) rc = SQLITE_OK;
        if (st) release_statement(db, st);
        i += 1L << k;
    }
    return rc;
}

/* Updates run_id's row with its summary; an SQLite result code
 * (SQLITE_NOTFOUND when the row is gone). */
static int update_run(sqlite3 *db, int64_t run_id, const RunSummary *sum, double started, double finished)
{
    sqlite3_stmt *st = cached_statement(db, update_run_sql);
    int rc = st ? SQLITE_OK : SQLITE_ERROR;
    if (rc == SQLITE_OK) {
        char groups[256], started_at[32], finished_at[32];
        int i = 1;
        group_state_json(sum, groups, sizeof groups);
        timestamp_text(started, started_at);
        timestamp_text(finished, finished_at);
        sqlite3_bind_text(st, i++, run_status_name(sum->status), -1, SQLITE_STATIC);
        if (sum->error[0]) sqlite3_bind_text(st, i++, sum->error, -1, SQLITE_STATIC);
        else sqlite3_bind_null(st, i++);
        if (started > 0) sqlite3_bind_text(st, i++, started_at, -1, SQLITE_STATIC);
        else sqlite3_bind_null(st, i++);
        sqlite3_bind_text(st, i++, finished_at, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, i++, sum->steps_done);
        bind_real(st, i++, sum->first_loss);
        bind_real(st, i++, sum->final_loss);
        bind_real(st, i++, sum->best_loss);
        bind_real(st, i++, sum->eval_loss);
        bind_real(st, i++, sum->eval_accuracy);
        bind_real(st, i++, sum->target);
        if (sum->steps_to_target > 0) sqlite3_bind_int64(st, i++, sum->steps_to_target);
        else sqlite3_bind_null(st, i++);
        bind_real(st, i++, sum->seconds_to_target);
        sqlite3_bind_int64(st, i++, sum->n_params);
        sqlite3_bind_int64(st, i++, sum->param_bytes);
        sqlite3_bind_int64(st, i++, sum->grad_bytes);
        sqlite3_bind_int64(st, i++, sum->state_bytes);
        sqlite3_bind_int64(st, i++, sum->activation_bytes);
        sqlite3_bind_int64(st, i++, sum->peak_bytes);
        sqlite3_bind_int64(st, i++, sum->peak_rss);
        if (sum->device_peak_bytes >= 0) sqlite3_bind_int64(st, i++, sum->device_peak_bytes);
        else sqlite3_bind_null(st, i++);
        if (sum->device_used_bytes >= 0) sqlite3_bind_int64(st, i++, sum->device_used_bytes);
        else sqlite3_bind_null(st, i++);
        bind_real(st, i++, sum->fb_median);
        bind_real(st, i++, sum->fb_p90);
        bind_real(st, i++, sum->opt_median);
        bind_real(st, i++, sum->opt_p90);
        bind_real(st, i++, sum->step_median);
        bind_real(st, i++, sum->step_p90);
        bind_real(st, i++, sum->wall_seconds);
        sqlite3_bind_int(st, i++, sum->threads);
        bind_real(st, i++, sum->flops_per_step);
        bind_real(st, i++, sum->flops_per_eval);
        bind_real(st, i++, sum->gflops);
        bind_real(st, i++, sum->sgemm_gflops);
        if (groups[0]) sqlite3_bind_text(st, i++, groups, -1, SQLITE_STATIC);
        else sqlite3_bind_null(st, i++);
        sqlite3_bind_int64(st, i++, run_id);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) rc = sqlite3_changes(db) == 1 ? SQLITE_OK : SQLITE_NOTFOUND;
    }
    if (st) release_statement(db, st);
    return rc;
}

int store_write_result(sqlite3 *db, int64_t run_id, const RunSummary *sum, const MetricRow *rows, long n_rows,
                       double started, double finished, char *err, size_t errlen)
{
    int rc = insert_metrics(db, run_id, rows, n_rows);
    if (rc == SQLITE_OK) rc = update_run(db, run_id, sum, started, finished);
    if (rc == SQLITE_NOTFOUND) snprintf(err, errlen, "writing run %lld: its row is gone", (long long)run_id);
    else if (rc != SQLITE_OK) snprintf(err, errlen, "writing run %lld: %s", (long long)run_id, sqlite3_errmsg(db));
    return rc == SQLITE_OK ? 0 : -1;
}
