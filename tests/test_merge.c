/* test_merge.c — merging shard databases: idempotence, a finished run
 * replacing an unfinished one (never the reverse), run ids mapped between
 * files, and refusing differing specs and foreign files with the output
 * unchanged; a shard that cannot be opened is named once. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/core/hostinfo.h"
#include "harness/store/merge.h"
#include "harness/store/store.h"

static char dir[64]; /* a fresh temporary folder per test */

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/optbench-merge-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(merge, .init = setup, .fini = teardown);

/* A path inside the test's folder (one of a few rotating buffers). */
static const char *in_dir(const char *name)
{
    static char paths[4][128];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, sizeof paths[0], "%s/%s", dir, name);
    return p;
}

/* Records in the database at path, sweep `sweep` with spec text `spec`, one
 * Rosenbrock adam run with learning rate lr that ended with status and
 * final loss `loss` after `rows` metric rows (losses loss + step). */
static void add_run(const char *path, const char *sweep, const char *spec, double lr, RunStatus status,
                    double loss, int rows)
{
    sqlite3 *db;
    char err[ERRMSG_MAX], opt[64];
    int64_t sweep_id, run_id;
    unsigned char state;
    char owner[HOST_PROCESS_ID_MAX], busy[HOST_PROCESS_ID_MAX];
    RunConfig cfg;
    MetricRow metric[8];
    config_defaults(&cfg);
    snprintf(opt, sizeof opt, "adam,lr=%g", lr);
    cr_assert_eq(config_set_optimizer(&cfg, opt, err, sizeof err), 0, "%s", err);
    cfg.steps = 8; /* the key depends on it, not on how many rows were written */
    cr_assert_eq(store_open(path, &db, err, sizeof err), 0, "%s", err);
    cr_assert_eq(store_sweep(db, sweep, spec, "cpu", &sweep_id, err, sizeof err), 0, "%s", err);
    host_process_id((long)getpid(), owner, sizeof owner);
    cr_assert_eq(store_claim_runs(db, sweep_id, owner, NULL, &cfg, 1, &run_id, &state, busy, sizeof busy, err, sizeof err), 0,
                 "%s", err);
    for (int i = 0; i < rows; i++)
        metric[i] = (MetricRow){i + 1, loss + rows - 1 - i, NAN, NAN, lr, 0.001 * (i + 1), {1, 1, 0.1, 2}};
    RunSummary s = {.status = status, .steps_done = rows, .final_loss = loss, .best_loss = loss, .first_loss = loss,
                    .eval_loss = NAN, .eval_accuracy = NAN, .target = 1e-4, .seconds_to_target = NAN};
    cr_assert_eq(store_begin(db, err, sizeof err), 0, "%s", err);
    if (status == RUN_PENDING || status == RUN_RUNNING)
        cr_assert_eq(store_set_status(db, run_id, status, 0, err, sizeof err), 0, "%s", err);
    else
        cr_assert_eq(store_write_result(db, run_id, &s, metric, rows, 0, 1e9, err, sizeof err), 0, "%s", err);
    cr_assert_eq(store_commit(db, err, sizeof err), 0, "%s", err);
    store_close(db);
}

/* merge_check, then every shard into out; the counts of the last shard.
 * Returns 0, or -1 (err set) when refused or failed. */
static int merge(const char *out_path, char **shards, int n, MergeCounts *last, char *err, size_t errlen)
{
    sqlite3 *out = NULL;
    int rc = merge_check(out_path, shards, n, err, errlen);
    if (rc == 0) rc = store_open(out_path, &out, err, errlen);
    for (int i = 0; i < n && rc == 0; i++) rc = merge_shard(out, out_path, shards[i], last, err, errlen);
    store_close(out);
    return rc;
}

/* A text value of a single-row query on path ("" when no row). */
static const char *text(const char *path, const char *sql)
{
    static char value[512];
    sqlite3 *db;
    sqlite3_stmt *st;
    value[0] = 0;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(value, sizeof value, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return value;
}

/* The whole file (malloc'ed), its size in *len; NULL when missing. */
static char *slurp(const char *path, long *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *len = ftell(f);
    rewind(f);
    char *buf = malloc(*len + 1);
    cr_assert_eq(fread(buf, 1, *len, f), (size_t)*len);
    fclose(f);
    return buf;
}

Test(merge, twice_adds_nothing_and_maps_run_ids)
{
    char out[128], a[128], err[ERRMSG_MAX];
    MergeCounts c;
    snprintf(out, sizeof out, "%s", in_dir("out.db"));
    snprintf(a, sizeof a, "%s", in_dir("a.db"));
    char *shards[] = {a};
    add_run(out, "other", "o", 0.5, RUN_DONE, 9.0, 3); /* run id 1 in out: shard ids must be mapped */
    add_run(a, "s", "spec", 0.1, RUN_DONE, 1.0, 4);
    add_run(a, "s", "spec", 0.2, RUN_DIVERGED, 2.0, 2);
    cr_assert_eq(merge(out, shards, 1, &c, err, sizeof err), 0, "%s", err);
    cr_expect(c.sweeps == 1 && c.sweeps_added == 1 && c.runs_added == 2 && c.runs_replaced == 0 && c.runs_kept == 0);
    cr_expect_str_eq(text(out, "SELECT count(*) || '/' || (SELECT count(*) FROM metrics) FROM runs"), "3/9");
    cr_expect_str_eq(text(out, "SELECT group_concat(m.loss, ',') FROM metrics m JOIN runs r ON r.id = m.run_id "
                               "WHERE r.final_loss = 1.0 ORDER BY m.step"),
                     "4.0,3.0,2.0,1.0");
    cr_assert_eq(merge(out, shards, 1, &c, err, sizeof err), 0, "%s", err);
    cr_expect(c.sweeps_added == 0 && c.runs_added == 0 && c.runs_replaced == 0 && c.runs_kept == 2);
    cr_expect_str_eq(text(out, "SELECT count(*) || '/' || (SELECT count(*) FROM metrics) || '/' || "
                               "(SELECT count(*) FROM sweeps) FROM runs"),
                     "3/9/2");
    cr_expect_str_eq(text(out, "PRAGMA foreign_key_check"), "");
}

Test(merge, finished_replaces_unfinished_never_the_reverse)
{
    char out[128], late[128], stale[128], err[ERRMSG_MAX];
    MergeCounts c;
    snprintf(out, sizeof out, "%s", in_dir("out.db"));
    snprintf(late, sizeof late, "%s", in_dir("late.db"));
    snprintf(stale, sizeof stale, "%s", in_dir("stale.db"));
    add_run(out, "s", "spec", 0.1, RUN_FAILED, 5.0, 2);  /* failed after 2 rows */
    add_run(out, "s", "spec", 0.2, RUN_RUNNING, NAN, 0); /* killed while running */
    add_run(late, "s", "spec", 0.1, RUN_DONE, 1.0, 3);
    add_run(late, "s", "spec", 0.2, RUN_DONE, 2.0, 3);
    add_run(stale, "s", "spec", 0.1, RUN_TIMEOUT, 7.0, 1);
    add_run(stale, "s", "spec", 0.3, RUN_PENDING, NAN, 0);
    char *first[] = {late}, *second[] = {stale};
    cr_assert_eq(merge(out, first, 1, &c, err, sizeof err), 0, "%s", err);
    cr_expect(c.runs_added == 0 && c.runs_replaced == 2 && c.runs_kept == 0, "%ld %ld %ld", c.runs_added,
              c.runs_replaced, c.runs_kept);
    cr_expect_str_eq(text(out, "SELECT group_concat(status || ':' || final_loss, ' ') FROM "
                               "(SELECT * FROM runs ORDER BY final_loss)"),
                     "done:1.0 done:2.0");
    cr_expect_str_eq(text(out, "SELECT count(*) FROM metrics"), "6", "the failed run's rows went with it");
    cr_assert_eq(merge(out, second, 1, &c, err, sizeof err), 0, "%s", err);
    cr_expect(c.runs_added == 1 && c.runs_replaced == 0 && c.runs_kept == 1);
    cr_expect_str_eq(text(out, "SELECT group_concat(status, ' ') FROM (SELECT status FROM runs ORDER BY status)"),
                     "done done pending");
    cr_expect_str_eq(text(out, "SELECT count(*) FROM metrics"), "6");
}

Test(merge, refuses_a_differing_spec_writing_nothing)
{
    char out[128], a[128], b[128], err[ERRMSG_MAX];
    MergeCounts c;
    long len_before, len_after;
    snprintf(out, sizeof out, "%s", in_dir("out.db"));
    snprintf(a, sizeof a, "%s", in_dir("a.db"));
    snprintf(b, sizeof b, "%s", in_dir("b.db"));
    add_run(a, "s", "steps: 100", 0.1, RUN_DONE, 1.0, 1);
    add_run(b, "s", "steps: 200", 0.2, RUN_DONE, 2.0, 1);
    char *shards[] = {a, b};
    cr_expect_neq(merge(out, shards, 2, &c, err, sizeof err), 0);
    cr_expect(strstr(err, "sweep 's'") && strstr(err, a) && strstr(err, b), "%s", err);
    cr_expect_neq(access(out, F_OK), 0, "no output was created");
    add_run(out, "s", "steps: 100", 0.3, RUN_DONE, 3.0, 1);
    char *before = slurp(out, &len_before);
    char *only_b[] = {b};
    cr_expect_neq(merge(out, only_b, 1, &c, err, sizeof err), 0);
    cr_expect(strstr(err, out) && strstr(err, b), "%s", err);
    char *after = slurp(out, &len_after);
    cr_expect(len_before == len_after && !memcmp(before, after, len_before), "the output changed");
    free(before);
    free(after);
}

Test(merge, refuses_foreign_files_and_other_versions_output_unchanged)
{
    char out[128], a[128], foreign[128], old[128], err[ERRMSG_MAX];
    MergeCounts c;
    sqlite3 *db;
    long len_before, len_after;
    snprintf(out, sizeof out, "%s", in_dir("out.db"));
    snprintf(a, sizeof a, "%s", in_dir("a.db"));
    snprintf(foreign, sizeof foreign, "%s", in_dir("foreign.db"));
    snprintf(old, sizeof old, "%s", in_dir("old.db"));
    add_run(out, "s", "spec", 0.1, RUN_FAILED, 1.0, 1);
    add_run(a, "s", "spec", 0.1, RUN_DONE, 1.0, 1);
    cr_assert_eq(sqlite3_open(foreign, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    cr_assert_eq(sqlite3_open(old, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, "CREATE TABLE t (x); PRAGMA application_id = 1330664514; PRAGMA user_version = 9",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    sqlite3_close(db);
    char *before = slurp(out, &len_before);
    char *with_foreign[] = {a, foreign}, *with_old[] = {a, old}, *itself[] = {a, out};
    cr_expect_neq(merge(out, with_foreign, 2, &c, err, sizeof err), 0);
    cr_expect(strstr(err, foreign) && strstr(err, "not an optbench one"), "%s", err);
    cr_expect_neq(merge(out, with_old, 2, &c, err, sizeof err), 0);
    cr_expect(strstr(err, old) && strstr(err, "schema version 9"), "%s", err);
    cr_expect_neq(merge(out, itself, 2, &c, err, sizeof err), 0);
    cr_expect(strstr(err, "the output database itself") != NULL, "%s", err);
    char *after = slurp(out, &len_after);
    cr_expect(len_before == len_after && !memcmp(before, after, len_before), "the output changed");
    cr_expect_str_eq(text(out, "SELECT status FROM runs"), "failed");
    free(before);
    free(after);
}

/* Runs sql on the database at path. */
static void exec(const char *path, const char *sql)
{
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
    sqlite3_close(db);
}

Test(merge, copies_the_machine_and_flop_columns)
{
    char out[128], a[128], err[ERRMSG_MAX];
    MergeCounts c;
    snprintf(out, sizeof out, "%s", in_dir("out.db"));
    snprintf(a, sizeof a, "%s", in_dir("a.db"));
    add_run(a, "s", "spec", 0.1, RUN_DONE, 1.0, 3);
    exec(a, "UPDATE sweeps SET machine = '{\"cpu\":\"X\",\"cores\":2}';"
            "UPDATE runs SET threads = 2, flops_per_step = 1e6, flops_per_eval = 2e5, gflops = 3.5, "
            "sgemm_gflops = 70");
    char *shards[] = {a};
    cr_assert_eq(merge(out, shards, 1, &c, err, sizeof err), 0, "%s", err);
    cr_expect_str_eq(text(out, "SELECT machine FROM sweeps"), "{\"cpu\":\"X\",\"cores\":2}");
    cr_expect_str_eq(text(out, "SELECT threads || ' ' || flops_per_step || ' ' || flops_per_eval || ' ' || gflops "
                               "|| ' ' || sgemm_gflops FROM runs"),
                     "2 1000000.0 200000.0 3.5 70.0");
}

Test(merge, a_shard_of_an_older_schema_version_leaves_the_newer_columns_null)
{
    char out[128], v1[128], v2[128], err[ERRMSG_MAX];
    MergeCounts c;
    snprintf(out, sizeof out, "%s", in_dir("out.db"));
    snprintf(v1, sizeof v1, "%s", in_dir("v1.db"));
    snprintf(v2, sizeof v2, "%s", in_dir("v2.db"));
    add_run(out, "s", "spec", 0.3, RUN_DONE, 1.0, 2);
    add_run(v2, "s", "spec", 0.1, RUN_DONE, 2.0, 3);
    add_run(v1, "s", "spec", 0.2, RUN_DONE, 3.0, 4);
    /* what versions 3, 5 and 7 added, and for version 1 what version 2 added too */
    static const char downgrade[] =
        "ALTER TABLE sweeps DROP COLUMN plugins; "
        "ALTER TABLE metrics DROP COLUMN grad_norm; ALTER TABLE metrics DROP COLUMN clipped_grad_norm; "
        "ALTER TABLE metrics DROP COLUMN update_norm; ALTER TABLE metrics DROP COLUMN param_norm; "
        "ALTER TABLE sweeps DROP COLUMN machine; ALTER TABLE runs DROP COLUMN threads; "
        "ALTER TABLE runs DROP COLUMN flops_per_step; ALTER TABLE runs DROP COLUMN flops_per_eval; "
        "ALTER TABLE runs DROP COLUMN gflops; ALTER TABLE runs DROP COLUMN sgemm_gflops; ";
    exec(v2, downgrade);
    exec(v2, "PRAGMA user_version = 2");
    exec(v1, downgrade);
    exec(v1, "ALTER TABLE runs DROP COLUMN owner; PRAGMA user_version = 1");
    char *shards[] = {v2, v1};
    cr_assert_eq(merge(out, shards, 2, &c, err, sizeof err), 0, "%s", err);
    cr_expect_eq(c.runs_added, 1);
    cr_expect_str_eq(text(out, "SELECT group_concat(final_loss || ':' || "
                               "(SELECT count(*) FROM metrics m WHERE m.run_id = r.id), ' ') "
                               "FROM (SELECT * FROM runs ORDER BY final_loss) r"),
                     "1.0:2 2.0:3 3.0:4");
    cr_expect_str_eq(text(out, "SELECT count(*) FROM runs WHERE flops_per_step IS NULL AND threads IS NULL "
                               "AND gflops IS NULL AND sgemm_gflops IS NULL AND flops_per_eval IS NULL"),
                     "2");
    char version[16];
    snprintf(version, sizeof version, "%d", STORE_SCHEMA_VERSION);
    cr_expect_str_eq(text(out, "PRAGMA user_version"), version);
    cr_expect_str_eq(text(out, "SELECT count(*) FROM metrics WHERE grad_norm IS NULL"), "7", "the shards' rows");
    cr_expect_str_eq(text(v1, "PRAGMA user_version"), "1"); /* a shard is only read */
}

Test(merge, a_shard_that_cannot_be_opened_is_named_once)
{
    char out[128], missing[128], err[ERRMSG_MAX], want[512];
    MergeCounts c;
    sqlite3 *db;
    snprintf(out, sizeof out, "%s", in_dir("out.db"));
    snprintf(missing, sizeof missing, "%s", in_dir("no/such/folder/shard.db"));
    add_run(out, "s", "spec", 0.1, RUN_DONE, 1.0, 1);
    cr_assert_eq(store_open(out, &db, err, sizeof err), 0, "%s", err);
    cr_expect_neq(merge_shard(db, out, missing, &c, err, sizeof err), 0);
    store_close(db);
    snprintf(want, sizeof want, "%s: cannot merge it into %s: unable to open database file", missing, out);
    cr_expect_str_eq(err, want);
    cr_expect_str_eq(text(out, "SELECT count(*) FROM runs"), "1");
}
