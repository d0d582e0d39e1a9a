/* merge.c — checking shard databases against each other and copying one
 * shard's sweeps, runs and metrics into the output (merge.h). */
#include "harness/store/merge.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/store/store.h"

/* Adds the sweeps of the optbench database at path to the in-memory table
 * `seen` (name, spec, file); -1 with a message when the file is not one of
 * ours or a sweep of the same name was seen with another spec. */
static int collect_sweeps(sqlite3 *seen, const char *path, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *list = NULL, *find = NULL, *add = NULL;
    int rc = -1, step;
    if (store_open_readonly(path, &db, err, errlen)) goto cleanup;
    /* always checked here, also where opening skips it for size */
    if (store_bytes(path) > STORE_QUICK_CHECK_MAX_BYTES && store_quick_check(db, path, err, errlen)) goto cleanup;
    if (sqlite3_prepare_v2(db, "SELECT name, spec FROM sweeps ORDER BY id", -1, &list, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(seen, "SELECT spec, file FROM seen WHERE name = ?", -1, &find, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(seen, "INSERT INTO seen VALUES (?, ?, ?)", -1, &add, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(list ? seen : db));
        goto cleanup;
    }
    while ((step = sqlite3_step(list)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(list, 0);
        const char *spec = (const char *)sqlite3_column_text(list, 1);
        sqlite3_reset(find);
        sqlite3_bind_text(find, 1, name, -1, SQLITE_STATIC);
        if (sqlite3_step(find) == SQLITE_ROW) {
            if (strcmp(spec, (const char *)sqlite3_column_text(find, 0)) == 0) continue;
            snprintf(err, errlen, "sweep '%s': its spec in %s differs from the one in %s; nothing merged", name,
                     path, (const char *)sqlite3_column_text(find, 1));
            goto cleanup;
        }
        sqlite3_reset(add);
        sqlite3_bind_text(add, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(add, 2, spec, -1, SQLITE_STATIC);
        sqlite3_bind_text(add, 3, path, -1, SQLITE_STATIC);
        if (sqlite3_step(add) != SQLITE_DONE) {
            snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(seen));
            goto cleanup;
        }
    }
    if (step != SQLITE_DONE) {
        snprintf(err, errlen, "%s: reading sweeps: %s", path, sqlite3_errmsg(db));
        goto cleanup;
    }
    rc = 0;
cleanup:
    sqlite3_finalize(list);
    sqlite3_finalize(find);
    sqlite3_finalize(add);
    store_close(db);
    return rc;
}

int merge_check(const char *out_path, char *const *shards, int n_shards, char *err, size_t errlen)
{
    sqlite3 *seen = NULL;
    struct stat out_st, st;
    const int out_exists = stat(out_path, &out_st) == 0;
    int rc = -1;
    if (sqlite3_open(":memory:", &seen) != SQLITE_OK ||
        sqlite3_exec(seen, "CREATE TABLE seen (name TEXT PRIMARY KEY, spec TEXT NOT NULL, file TEXT NOT NULL)",
                     NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "checking sweeps: %s", seen ? sqlite3_errmsg(seen) : "out of memory");
        goto cleanup;
    }
    if (out_exists && collect_sweeps(seen, out_path, err, errlen)) goto cleanup;
    for (int i = 0; i < n_shards; i++) {
        if (out_exists && stat(shards[i], &st) == 0 && st.st_dev == out_st.st_dev && st.st_ino == out_st.st_ino) {
            snprintf(err, errlen, "%s: this is the output database itself; nothing merged", shards[i]);
            goto cleanup;
        }
        if (collect_sweeps(seen, shards[i], err, errlen)) goto cleanup;
    }
    rc = 0;
cleanup:
    sqlite3_close(seen);
    return rc;
}

/* The columns of main's table that the attached shard's table has too
 * (a shard of an older schema version lacks the newer ones, which stay
 * NULL), but those named in skip (" a b "), as "prefix.col, ..." in buf;
 * -1 when they do not fit. */
static int column_list(sqlite3 *db, const char *table, const char *skip, const char *prefix, char *buf,
                       size_t len)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT group_concat(?3 || name, ', ') FROM pragma_table_info(?1, 'main') "
                                "WHERE instr(?2, ' ' || name || ' ') = 0 "
                                "AND name IN (SELECT name FROM pragma_table_info(?1, 'shard'))",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, skip, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, prefix, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
    }
    if (rc == SQLITE_ROW && sqlite3_column_text(st, 0) &&
        (size_t)snprintf(buf, len, "%s", (const char *)sqlite3_column_text(st, 0)) < len)
        rc = SQLITE_OK;
    else if (rc == SQLITE_ROW)
        rc = SQLITE_TOOBIG;
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? 0 : -1;
}

/* The machine a copied run ran on, by what the shard records: its own
 * (a merged shard's), else its sweep's where that differs from the sweep's
 * in main, else NULL (the sweep's); [has runs.machine][has sweeps.machine]. */
static const char *const machine_sql[2][2] = {
    {"NULL", "iif(ss.machine IS NOT ms.machine, ss.machine, NULL)"},
    {"r.machine", "coalesce(r.machine, iif(ss.machine IS NOT ms.machine, ss.machine, NULL))"},
};

/* Copies the shard's sweeps that main lacks; %s: their columns, twice. */
static const char sweeps_sql[] =
    "INSERT INTO main.sweeps (%s) SELECT %s FROM shard.sweeps "
    "WHERE name NOT IN (SELECT name FROM main.sweeps) ORDER BY id";

/* What each run of the shard becomes: 1 added, 2 replaces the unfinished
 * run `old`, 0 kept out. Sweeps are already in main. */
static const char plan_sql[] =
    "DROP TABLE IF EXISTS temp.merge_plan;"
    "CREATE TEMP TABLE merge_plan AS SELECT r.id AS src, ms.id AS sweep_id, r.key AS key, o.id AS old, "
    "CASE WHEN o.id IS NULL THEN 1 "
    "WHEN r.status IN ('done', 'diverged', 'pruned') AND o.status NOT IN ('done', 'diverged', 'pruned') THEN 2 ELSE 0 END AS action "
    "FROM shard.runs r JOIN shard.sweeps ss ON ss.id = r.sweep_id JOIN main.sweeps ms ON ms.name = ss.name "
    "LEFT JOIN main.runs o ON o.sweep_id = ms.id AND o.key = r.key";

static const char counts_sql[] =
    "SELECT (SELECT count(*) FROM shard.sweeps), sum(action = 1), sum(action = 2), sum(action = 0) "
    "FROM temp.merge_plan";

/* Drops the replaced runs, copies the plan's runs (with new ids) and their
 * metrics; %s: the column list of runs, the machine of a run (machine_sql),
 * the runs' columns again, then the column lists of metrics. */
static const char copy_sql[] =
    "DELETE FROM main.metrics WHERE run_id IN (SELECT old FROM temp.merge_plan WHERE action = 2);"
    "DELETE FROM main.runs WHERE id IN (SELECT old FROM temp.merge_plan WHERE action = 2);"
    "INSERT INTO main.runs (sweep_id, machine, %s) SELECT p.sweep_id, %s, %s FROM temp.merge_plan p "
    "JOIN shard.runs r ON r.id = p.src JOIN shard.sweeps ss ON ss.id = r.sweep_id "
    "JOIN main.sweeps ms ON ms.id = p.sweep_id WHERE p.action > 0 ORDER BY p.src;"
    "INSERT INTO main.metrics (run_id, %s) SELECT n.id, %s FROM temp.merge_plan p "
    "JOIN shard.metrics m ON m.run_id = p.src JOIN main.runs n ON n.sweep_id = p.sweep_id AND n.key = p.key "
    "WHERE p.action > 0;"
    "DROP TABLE temp.merge_plan";

int merge_shard(sqlite3 *out, const char *out_path, const char *shard_path, MergeCounts *counts, char *err,
                size_t errlen)
{
    char sweep_cols[512], run_cols[2048], run_src[2048], metric_cols[512], metric_src[512];
    const char *why = NULL; /* the reason when it is not SQLite's last message */
    char *sweeps = NULL, *copy = NULL;
    sqlite3_stmt *st = NULL;
    int attached = 0, began = 0, rc = -1;
    *counts = (MergeCounts){0};
    /* read-only: a shard in a read-only file or folder merges too */
    attached = 1;
    if ((rc = store_attach_readonly(out, shard_path, "shard")) != SQLITE_OK) {
        why = sqlite3_errstr(rc); /* SQLite's message would name the file again */
        rc = -1;
        goto cleanup;
    }
    rc = -1;
    /* owner is this machine's claim of an unfinished run: never copied;
     * machine is machine_sql's */
    if (column_list(out, "sweeps", " id ", "", sweep_cols, sizeof sweep_cols) ||
        column_list(out, "runs", " id sweep_id owner machine ", "", run_cols, sizeof run_cols) ||
        column_list(out, "runs", " id sweep_id owner machine ", "r.", run_src, sizeof run_src) ||
        column_list(out, "metrics", " run_id ", "", metric_cols, sizeof metric_cols) ||
        column_list(out, "metrics", " run_id ", "m.", metric_src, sizeof metric_src) ||
        !(sweeps = sqlite3_mprintf(sweeps_sql, sweep_cols, sweep_cols)) ||
        !(copy = sqlite3_mprintf(copy_sql, run_cols,
                                 machine_sql[store_has_column(out, "shard", "runs", "machine")][store_has_column(out, "shard", "sweeps", "machine")],
                                 run_src, metric_cols, metric_src))) {
        why = "cannot read the columns of both";
        goto cleanup;
    }
    if (sqlite3_exec(out, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) goto cleanup;
    began = 1;
    if (sqlite3_exec(out, sweeps, NULL, NULL, NULL) != SQLITE_OK) goto cleanup;
    counts->sweeps_added = sqlite3_changes(out);
    if (sqlite3_exec(out, plan_sql, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(out, counts_sql, -1, &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW)
        goto cleanup;
    counts->sweeps = sqlite3_column_int64(st, 0);
    counts->runs_added = sqlite3_column_int64(st, 1);
    counts->runs_replaced = sqlite3_column_int64(st, 2);
    counts->runs_kept = sqlite3_column_int64(st, 3);
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_exec(out, copy, NULL, NULL, NULL) != SQLITE_OK || sqlite3_exec(out, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto cleanup;
    began = 0;
    rc = 0;
cleanup:
    if (rc) snprintf(err, errlen, "%s: cannot merge it into %s: %s", shard_path, out_path, why ? why : sqlite3_errmsg(out));
    sqlite3_finalize(st);
    if (began) sqlite3_exec(out, "ROLLBACK", NULL, NULL, NULL);
    if (attached) sqlite3_exec(out, "DETACH DATABASE shard", NULL, NULL, NULL);
    sqlite3_free(sweeps);
    sqlite3_free(copy);
    return rc;
}
