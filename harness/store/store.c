/* store.c — opening, checking and writing the SQLite result database. */
#include "harness/store/store.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/core/hostinfo.h"

#define NOW_SQL "strftime('%Y-%m-%dT%H:%M:%fZ','now')"

/* Prepared statements kept across calls, per connection: the parent of a
 * sweep writes thousands of runs through the same few statements. */
typedef struct {
    sqlite3 *db;      /* connection it belongs to */
    const char *sql;  /* the statement text (a string literal: compared by address) */
    sqlite3_stmt *st; /* the prepared statement */
} CachedStatement;

static CachedStatement statement_cache[8];

/* A reset statement for sql on db, prepared once; NULL on error. */
static sqlite3_stmt *cached_statement(sqlite3 *db, const char *sql)
{
    CachedStatement *free_slot = NULL;
    for (size_t i = 0; i < sizeof statement_cache / sizeof statement_cache[0]; i++) {
        CachedStatement *c = &statement_cache[i];
        if (c->db == db && c->sql == sql) {
            sqlite3_reset(c->st);
            sqlite3_clear_bindings(c->st);
            return c->st;
        }
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

/* One integer from a single-row query; -1 on error. */
static int query_int(sqlite3 *db, const char *sql, long long *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? 0 : -1;
}

/* 0 when application_id and user_version are optbench's and this
 * schema's; else -1 with a message naming the file. */
static int check_identity(const char *path, long long app_id, long long version, char *err,
                          size_t errlen)
{
    if (app_id != STORE_APPLICATION_ID) {
        snprintf(err, errlen, "%s: an SQLite database, but not an optbench one (application_id %lld); "
                 "refusing to touch it", path, app_id);
        return -1;
    }
    if (version != STORE_SCHEMA_VERSION) {
        snprintf(err, errlen, "%s: optbench schema version %lld, but this optbench reads version %d; "
                 "left untouched (use the optbench that wrote it, or a new file)", path, version,
                 STORE_SCHEMA_VERSION);
        return -1;
    }
    return 0;
}

/* Opens and checks a database; writable ones are created when missing. */
static int open_checked(const char *path, int writable, sqlite3 **out, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    long long app_id = 0, version = 0, objects = 0;
    int rc = -1;
    *out = NULL;
    if (!writable && access(path, R_OK) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        goto cleanup;
    }
    if (writable && store_make_parent_dirs(path) != 0) {
        snprintf(err, errlen, "%s: cannot create its folder: %s", path, strerror(errno));
        goto cleanup;
    }
    if (sqlite3_open_v2(path, &db, writable ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY,
                        NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot open: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
        goto cleanup;
    }
    sqlite3_busy_timeout(db, 30000);
    if (query_int(db, "PRAGMA application_id", &app_id) != 0 ||
        query_int(db, "PRAGMA user_version", &version) != 0 ||
        query_int(db, "SELECT count(*) FROM sqlite_master", &objects) != 0) {
        snprintf(err, errlen, "%s: not an SQLite database (%s); refusing to touch it", path,
                 sqlite3_errmsg(db));
        goto cleanup;
    }
    if (app_id == 0 && version == 0 && objects == 0 && !writable) {
        snprintf(err, errlen, "%s: an empty database, not an optbench one", path);
        goto cleanup;
    } else if (app_id == 0 && version == 0 && objects == 0) {
        char *msg = NULL;
        char pragmas[128];
        snprintf(pragmas, sizeof pragmas, "PRAGMA application_id = %d; PRAGMA user_version = %d;",
                 STORE_APPLICATION_ID, STORE_SCHEMA_VERSION);
        if (sqlite3_exec(db, "PRAGMA journal_mode = WAL; BEGIN", NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(db, store_schema_sql, NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(db, pragmas, NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
            snprintf(err, errlen, "%s: cannot create the schema: %s", path, msg ? msg : "?");
            sqlite3_free(msg);
            goto cleanup;
        }
    } else if (check_identity(path, app_id, version, err, errlen) != 0) {
        goto cleanup;
    }
    if (writable && sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON",
                                 NULL, NULL, NULL) != SQLITE_OK) {
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
    rc = sqlite3_prepare_v2(db,
                            "INSERT INTO sweeps (name, spec, created_at, version, host, device_name) "
                            "VALUES (?, ?, " NOW_SQL ", ?, ?, ?)",
                            -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 2, spec, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 3, OPTBENCH_VERSION, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 4, host, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 5, device_name, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) *id = sqlite3_last_insert_rowid(db);
cleanup:
    if (rc != SQLITE_DONE) snprintf(err, errlen, "sweep '%s': %s", name, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Inserts or resets the runs of cfgs as pending, inside a transaction. */
static int claim_each(sqlite3 *db, int64_t sweep_id, const RunConfig *cfgs, long n, int64_t *run_ids,
                      unsigned char *done, char *err, size_t errlen)
{
    char canonical[CONFIG_TEXT_MAX], key[KEY_TEXT_MAX], prob[CONFIG_TEXT_MAX], hp[CONFIG_TEXT_MAX], sched[512];
    sqlite3_stmt *find = NULL, *drop_rows = NULL, *drop_run = NULL, *insert = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT id, status FROM runs WHERE sweep_id = ? AND key = ?", -1, &find, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(db, "DELETE FROM metrics WHERE run_id = ?", -1, &drop_rows, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(db, "DELETE FROM runs WHERE id = ?", -1, &drop_run, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(
            db,
            "INSERT INTO runs (sweep_id, key, config, problem, problem_options, optimizer, hyperparameters, "
            "schedule, clip, accum, seed, device, steps, log_every, eval_every, status, target_loss) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'pending',?)",
            -1, &insert, NULL);
    for (long i = 0; i < n && rc == SQLITE_OK; i++) {
        const RunConfig *cfg = &cfgs[i];
        done[i] = 0;
        if (config_canonical(cfg, canonical, sizeof canonical) || params_json(&cfg->problem_opts, prob, sizeof prob) ||
            params_json(&cfg->hparams, hp, sizeof hp) || config_schedule_json(cfg, sched, sizeof sched)) {
            rc = SQLITE_TOOBIG;
            break;
        }
        config_key(canonical, key);
        sqlite3_reset(find);
        sqlite3_bind_int64(find, 1, sweep_id);
        sqlite3_bind_text(find, 2, key, -1, SQLITE_STATIC);
        rc = sqlite3_step(find);
        if (rc == SQLITE_ROW) {
            const char *status = (const char *)sqlite3_column_text(find, 1);
            run_ids[i] = sqlite3_column_int64(find, 0);
            if (!strcmp(status, "done") || !strcmp(status, "diverged")) {
                done[i] = 1;
                rc = SQLITE_OK;
                continue;
            }
            /* an unfinished attempt: drop it and its rows, then insert afresh */
            sqlite3_reset(drop_rows);
            sqlite3_bind_int64(drop_rows, 1, run_ids[i]);
            rc = sqlite3_step(drop_rows);
            if (rc == SQLITE_DONE) {
                sqlite3_reset(drop_run);
                sqlite3_bind_int64(drop_run, 1, run_ids[i]);
                rc = sqlite3_step(drop_run);
            }
            if (rc != SQLITE_DONE) break;
        } else if (rc != SQLITE_DONE) {
            break;
        }
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
        rc = sqlite3_step(insert);
        if (rc != SQLITE_DONE) break;
        run_ids[i] = sqlite3_last_insert_rowid(db);
        rc = SQLITE_OK;
    }
    if (rc != SQLITE_OK) snprintf(err, errlen, "registering runs: %s", rc == SQLITE_TOOBIG ? "configuration too long" : sqlite3_errmsg(db));
    sqlite3_finalize(find);
    sqlite3_finalize(drop_rows);
    sqlite3_finalize(drop_run);
    sqlite3_finalize(insert);
    return rc == SQLITE_OK ? 0 : -1;
}

int store_claim_runs(sqlite3 *db, int64_t sweep_id, const RunConfig *cfgs, long n, int64_t *run_ids,
                     unsigned char *done, char *err, size_t errlen)
{
    if (store_begin(db, err, errlen)) return -1;
    if (claim_each(db, sweep_id, cfgs, n, run_ids, done, err, errlen)) {
        store_rollback(db);
        return -1;
    }
    return store_commit(db, err, errlen);
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

static const char set_status_sql[] =
    "UPDATE runs SET status = ?1, started_at = CASE WHEN ?1 = 'running' THEN " NOW_SQL
    " ELSE started_at END WHERE id = ?2";

int store_set_status(sqlite3 *db, int64_t run_id, RunStatus status, char *err, size_t errlen)
{
    sqlite3_stmt *st = cached_statement(db, set_status_sql);
    int rc = st ? SQLITE_OK : SQLITE_ERROR;
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, run_status_name(status), -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, run_id);
        rc = sqlite3_step(st);
    }
    if (rc != SQLITE_DONE) snprintf(err, errlen, "run %lld: %s", (long long)run_id, sqlite3_errmsg(db));
    if (st) release_statement(db, st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static const char insert_metric_sql[] =
    "INSERT INTO metrics (run_id, step, loss, eval_loss, eval_accuracy, lr, elapsed) "
    "VALUES (?,?,?,?,?,?,?)";

static const char update_run_sql[] =
    "UPDATE runs SET status = ?, error = ?, finished_at = " NOW_SQL ", steps_done = ?, "
    "first_loss = ?, final_loss = ?, best_loss = ?, eval_loss = ?, eval_accuracy = ?, "
    "target_loss = ?, steps_to_target = ?, seconds_to_target = ?, n_params = ?, "
    "param_bytes = ?, grad_bytes = ?, state_bytes = ?, activation_bytes = ?, peak_bytes = ?, "
    "peak_rss = ?, device_peak_bytes = ?, device_used_bytes = ?, fb_time_median = ?, fb_time_p90 = ?, opt_time_median = ?, "
    "opt_time_p90 = ?, step_time_median = ?, step_time_p90 = ?, wall_seconds = ? "
    "WHERE id = ?";

int store_write_result(sqlite3 *db, int64_t run_id, const RunSummary *sum, const MetricRow *rows,
                       long n_rows, char *err, size_t errlen)
{
    sqlite3_stmt *st = cached_statement(db, insert_metric_sql);
    int rc = st ? SQLITE_OK : SQLITE_ERROR;
    for (long i = 0; i < n_rows && rc == SQLITE_OK; i++) {
        const MetricRow *r = &rows[i];
        sqlite3_bind_int64(st, 1, run_id);
        sqlite3_bind_int64(st, 2, r->step);
        bind_real(st, 3, r->loss);
        bind_real(st, 4, r->eval_loss);
        bind_real(st, 5, r->eval_accuracy);
        bind_real(st, 6, r->lr);
        bind_real(st, 7, r->elapsed);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) rc = sqlite3_reset(st);
    }
    if (st) release_statement(db, st);
    st = NULL;
    if (rc == SQLITE_OK) rc = (st = cached_statement(db, update_run_sql)) ? SQLITE_OK : SQLITE_ERROR;
    if (rc == SQLITE_OK) {
        int i = 1;
        sqlite3_bind_text(st, i++, run_status_name(sum->status), -1, SQLITE_STATIC);
        if (sum->error[0]) sqlite3_bind_text(st, i++, sum->error, -1, SQLITE_STATIC);
        else sqlite3_bind_null(st, i++);
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
        sqlite3_bind_int64(st, i++, run_id);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) rc = sqlite3_changes(db) == 1 ? SQLITE_OK : SQLITE_NOTFOUND;
    }
    if (rc != SQLITE_OK) snprintf(err, errlen, "writing run %lld: %s", (long long)run_id, sqlite3_errmsg(db));
    if (st) release_statement(db, st);
    return rc == SQLITE_OK ? 0 : -1;
}
