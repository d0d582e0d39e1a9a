/* test_store.c — the SQLite store: round trip, resume and claim rules,
 * refusing foreign and corrupt files, the schema upgrade, store_check. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/core/hostinfo.h"
#include "harness/store/store.h"

static char dir[64]; /* a fresh temporary folder per test */
static char path[128]; /* database path inside it */

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/optbench-store-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/sub/results.db", dir);
}

static void teardown(void)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(store, .init = setup, .fini = teardown);

/* This process's owner text. */
static const char *me(void)
{
    static char owner[HOST_PROCESS_ID_MAX];
    host_process_id((long)getpid(), owner, sizeof owner);
    return owner;
}

/* store_claim_runs of one configuration on machine; its state. */
static ClaimState claim_on(sqlite3 *db, int64_t sweep, const char *owner, const char *machine, const RunConfig *cfg,
                           int64_t *run)
{
    char err[ERRMSG_MAX], busy[HOST_PROCESS_ID_MAX];
    unsigned char state;
    cr_assert_eq(store_claim_runs(db, sweep, owner, machine, cfg, 1, run, &state, busy, sizeof busy, err, sizeof err),
                 0, "%s", err);
    cr_expect_eq(state == CLAIM_BUSY, strcmp(busy, "") != 0, "busy owner '%s' for state %d", busy, state);
    return (ClaimState)state;
}

/* store_claim_runs of one configuration, no machine recorded; its state. */
static ClaimState claim1(sqlite3 *db, int64_t sweep, const char *owner, const RunConfig *cfg, int64_t *run)
{
    return claim_on(db, sweep, owner, NULL, cfg, run);
}

static RunConfig rosenbrock_adam(void)
{
    RunConfig cfg;
    char err[ERRMSG_MAX];
    config_defaults(&cfg);
    cr_assert_eq(config_set_optimizer(&cfg, "adam,lr=0.01", err, sizeof err), 0);
    cfg.steps = 3;
    return cfg;
}

/* An integer from a query on a separate connection. */
static long long scalar(const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    long long v = -1;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

Test(store, round_trip)
{
    sqlite3 *db;
    char err[ERRMSG_MAX];
    int64_t sweep, run, again;
    RunConfig cfg = rosenbrock_adam();
    cr_assert_eq(store_open(path, &db, err, sizeof err), 0, "%s", err);
    cr_assert_eq(store_sweep(db, "s1", "spec", "cpu", &sweep, err, sizeof err), 0, "%s", err);
    cr_expect_eq(claim1(db, sweep, me(), &cfg, &run), CLAIM_RUN);
    cr_expect_eq(scalar("SELECT count(*) FROM runs WHERE status = 'pending'"), 1);
    MetricRow rows[2] = {{1, 24.2, NAN, NAN, 0.01, 0.001, {NAN, NAN, NAN, NAN}},
                         {3, 20.5, 1.5, 0.75, 0.01, 0.003, {4, 2, 0.5, 9}}};
    RunSummary s = {.status = RUN_DONE, .steps_done = 3, .final_loss = 20.5, .best_loss = 20.5,
                    .first_loss = 24.2, .eval_loss = NAN, .eval_accuracy = NAN, .target = 1e-4,
                    .steps_to_target = -1, .seconds_to_target = NAN, .n_params = 2, .state_bytes = 16,
                    .group_params = {[ROLE_VECTOR] = 2}, .group_state_bytes = {[ROLE_VECTOR] = 16}};
    cr_assert_eq(store_begin(db, err, sizeof err), 0, "%s", err);
    cr_assert_eq(store_write_result(db, run, &s, rows, 2, 0, 1e9, err, sizeof err), 0, "%s", err);
    cr_assert_eq(store_commit(db, err, sizeof err), 0, "%s", err);
    cr_expect_eq(claim1(db, sweep, me(), &cfg, &again), CLAIM_FINISHED, "a done key is not run again");
    cr_expect_eq(again, run);
    store_close(db);
    cr_expect_eq(scalar("SELECT count(*) FROM metrics WHERE run_id = 1"), 2);
    cr_expect_eq(scalar("SELECT count(*) FROM runs WHERE status = 'done' AND state_bytes = 16"), 1);
    cr_expect_eq(scalar("SELECT count(*) FROM runs WHERE group_state = "
                        "'{\"vectors\":{\"params\":2,\"state_bytes\":16}}'"), 1, "only the groups it has");
    cr_expect_eq(scalar("SELECT count(*) FROM metrics WHERE step = 1 AND eval_loss IS NULL"), 1);
    cr_expect_eq(scalar("SELECT count(*) FROM runs WHERE steps_to_target IS NULL"), 1);
    cr_expect_eq(scalar("SELECT json_extract(hyperparameters, '$.lr') * 1000 FROM runs"), 10);
    cr_expect_eq(scalar("PRAGMA user_version"), STORE_SCHEMA_VERSION);
    cr_expect_eq(scalar("PRAGMA application_id"), STORE_APPLICATION_ID);
}

Test(store, many_rows_in_batches_and_the_rest_round_trip_exactly)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    char err[ERRMSG_MAX];
    int64_t sweep, run;
    RunConfig cfg = rosenbrock_adam();
    enum { N = 70 }; /* two whole multi-row batches and six rows one by one */
    MetricRow rows[N];
    for (int i = 0; i < N; i++)
        rows[i] = (MetricRow){2 * i + 1, 1.0 / (i + 3), i % 5 ? NAN : 0.1 * i, i % 5 ? NAN : 0.5, 0.01 / (i + 1), 0.001 * i,
                              {1.0 / (i + 1), 0.5 / (i + 1), 1e-3 * i, 10 + i}};
    RunSummary s = {.status = RUN_DONE, .steps_done = 2 * N - 1, .final_loss = rows[N - 1].loss, .eval_loss = NAN,
                    .eval_accuracy = NAN, .seconds_to_target = NAN};
    cr_assert_eq(store_open(path, &db, err, sizeof err), 0, "%s", err);
    cr_assert_eq(store_sweep(db, "s1", "spec", "cpu", &sweep, err, sizeof err), 0, "%s", err);
    cr_expect_eq(claim1(db, sweep, me(), &cfg, &run), CLAIM_RUN);
    cr_assert_eq(store_begin(db, err, sizeof err), 0, "%s", err);
    cr_assert_eq(store_write_result(db, run, &s, rows, N, 0, 1e9, err, sizeof err), 0, "%s", err);
    cr_assert_eq(store_commit(db, err, sizeof err), 0, "%s", err);
    cr_assert_eq(sqlite3_prepare_v2(db, "SELECT step, loss, eval_loss, eval_accuracy, lr, elapsed, grad_norm, "
                                        "clipped_grad_norm, update_norm, param_norm FROM metrics "
                                        "WHERE run_id = ? ORDER BY step", -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_int64(st, 1, run);
    int n = 0;
    for (; sqlite3_step(st) == SQLITE_ROW && n < N; n++) {
        const MetricRow *r = &rows[n];
        cr_expect_eq(sqlite3_column_int64(st, 0), r->step);
        cr_expect_eq(sqlite3_column_double(st, 1), r->loss, "row %d", n);
        cr_expect_eq(sqlite3_column_type(st, 2) == SQLITE_NULL, isnan(r->eval_loss) != 0, "row %d", n);
        if (!isnan(r->eval_loss)) cr_expect_eq(sqlite3_column_double(st, 2), r->eval_loss, "row %d", n);
        if (!isnan(r->eval_accuracy)) cr_expect_eq(sqlite3_column_double(st, 3), r->eval_accuracy, "row %d", n);
        cr_expect_eq(sqlite3_column_double(st, 4), r->lr, "row %d", n);
        cr_expect_eq(sqlite3_column_double(st, 5), r->elapsed, "row %d", n);
        for (int k = 0; k < N_NORMS; k++) cr_expect_eq(sqlite3_column_double(st, 6 + k), r->norm[k], "row %d", n);
    }
    cr_expect_eq(n, N);
    sqlite3_finalize(st);
    store_close(db);
}

Test(store, unfinished_runs_are_claimed_again)
{
    sqlite3 *db;
    char err[ERRMSG_MAX];
    int64_t sweep, run, again;
    RunConfig cfg = rosenbrock_adam();
    cr_assert_eq(store_open(path, &db, err, sizeof err), 0, "%s", err);
    cr_assert_eq(store_sweep(db, "s1", "spec", "cpu", &sweep, err, sizeof err), 0, "%s", err);
    cr_expect_eq(claim1(db, sweep, me(), &cfg, &run), CLAIM_RUN);
    cr_assert_eq(store_set_status(db, run, RUN_RUNNING, 1e9, err, sizeof err), 0, "%s", err);
    /* left 'running' by this very process: claimed again */
    cr_expect_eq(claim1(db, sweep, me(), &cfg, &again), CLAIM_RUN);
    /* left by a process that has ended: claimed again */
    cfg.seed = 1;
    cr_expect_eq(claim1(db, sweep, "1 no-such-boot 1", &cfg, &run), CLAIM_RUN);
    cr_expect_eq(claim1(db, sweep, me(), &cfg, &again), CLAIM_RUN);
    store_close(db);
    cr_expect_eq(scalar("SELECT count(*) FROM runs"), 2);
}

Test(store, a_run_claimed_by_a_live_process_is_busy)
{
    sqlite3 *db;
    char err[ERRMSG_MAX], parent[HOST_PROCESS_ID_MAX];
    int64_t sweep, run, again;
    RunConfig cfg = rosenbrock_adam();
    host_process_id((long)getppid(), parent, sizeof parent); /* alive while this test runs */
    cr_assert(host_process_alive(parent));
    cr_assert(host_process_alive(me()));
    cr_assert_not(host_process_alive("1 no-such-boot 1"));
    cr_assert_eq(store_open(path, &db, err, sizeof err), 0, "%s", err);
    cr_assert_eq(store_sweep(db, "s1", "spec", "cpu", &sweep, err, sizeof err), 0, "%s", err);
    cr_expect_eq(claim1(db, sweep, parent, &cfg, &run), CLAIM_RUN);
    cr_expect_eq(claim1(db, sweep, me(), &cfg, &again), CLAIM_BUSY, "claimed by a live process");
    cr_expect_eq(again, run);
    cr_assert_eq(store_set_status(db, run, RUN_RUNNING, 1e9, err, sizeof err), 0, "%s", err);
    cr_expect_eq(claim1(db, sweep, me(), &cfg, &again), CLAIM_BUSY, "running in a live process");
    store_close(db);
    cr_expect_eq(scalar("SELECT count(*) FROM runs"), 1);
}

/* A machine's JSON: cpu X with `cores` cores, 1 job. */
static const char *machine_json(int cores)
{
    static char json[2][128];
    char *j = json[cores % 2];
    snprintf(j, sizeof json[0], "{\"cpu\":\"X\",\"cores\":%d,\"blas\":\"B\",\"blas_core\":\"K\",\"jobs\":1,"
             "\"threads_per_job\":1}", cores);
    return j;
}

Test(store, a_sweep_keeps_the_machine_it_was_created_on_and_runs_resumed_elsewhere_keep_theirs)
{
    sqlite3 *db;
    char err[ERRMSG_MAX], machine[256];
    int64_t sweep, other, run, again;
    RunConfig cfg = rosenbrock_adam();
    const RunSummary done = {.status = RUN_DONE, .steps_done = 3};
    cr_assert_eq(store_open(path, &db, err, sizeof err), 0, "%s", err);
    cr_assert_eq(store_sweep(db, "s1", "spec", "cpu", &sweep, err, sizeof err), 0, "%s", err);
    cr_assert_eq(store_sweep_machine(db, sweep, machine_json(4), err, sizeof err), 0, "%s", err);
    cr_expect_eq(claim_on(db, sweep, me(), machine_json(4), &cfg, &run), CLAIM_RUN);
    cr_assert_eq(store_begin(db, err, sizeof err), 0, "%s", err);
    cr_assert_eq(store_write_result(db, run, &done, NULL, 0, 1e9, 1e9 + 1, err, sizeof err), 0, "%s", err);
    cr_assert_eq(store_commit(db, err, sizeof err), 0, "%s", err);
    cfg.seed = 1;
    cr_expect_eq(claim_on(db, sweep, me(), machine_json(4), &cfg, &run), CLAIM_RUN);
    /* resumed on a machine of 7 cores: the unfinished run is claimed there */
    cr_assert_eq(store_sweep_machine(db, sweep, machine_json(7), err, sizeof err), 0, "%s", err);
    cr_expect_eq(claim_on(db, sweep, me(), machine_json(7), &cfg, &again), CLAIM_RUN);
    cfg.seed = 0;
    cr_expect_eq(claim_on(db, sweep, me(), machine_json(7), &cfg, &again), CLAIM_FINISHED);
    store_get_machine(db, "s1", machine, sizeof machine);
    cr_expect_str_eq(machine, "X, 4 cores; B (kernels K); 1 jobs x 1 threads (1 runs); "
                              "X, 7 cores; B (kernels K); 1 jobs x 1 threads (1 runs)");
    /* a sweep whose runs predate its machine (schema 2) is given none */
    cr_assert_eq(store_sweep(db, "s2", "spec", "cpu", &other, err, sizeof err), 0, "%s", err);
    cr_expect_eq(claim1(db, other, me(), &cfg, &run), CLAIM_RUN);
    cr_assert_eq(store_sweep_machine(db, other, machine_json(4), err, sizeof err), 0, "%s", err);
    store_close(db);
    cr_expect_eq(scalar("SELECT count(*) FROM sweeps WHERE machine LIKE '%\"cores\":4,%' AND name = 's1'"), 1);
    cr_expect_eq(scalar("SELECT count(*) FROM runs r JOIN sweeps s ON s.id = r.sweep_id WHERE s.name = 's1' AND "
                        "r.machine IS NULL AND r.seed = 0 AND r.status = 'done'"), 1, "the finished run is left as it is");
    cr_expect_eq(scalar("SELECT count(*) FROM runs WHERE machine LIKE '%\"cores\":7,%' AND seed = 1"), 1);
    cr_expect_eq(scalar("SELECT count(*) FROM sweeps WHERE name = 's2' AND machine IS NULL"), 1);
}

Test(store, creating_a_sweep_twice_gives_one_row)
{
    sqlite3 *a, *b;
    char err[ERRMSG_MAX];
    int64_t id_a, id_b;
    cr_assert_eq(store_open(path, &a, err, sizeof err), 0, "%s", err);
    cr_assert_eq(store_open(path, &b, err, sizeof err), 0, "%s", err);
    cr_assert_eq(store_sweep(a, "s1", "spec", "cpu", &id_a, err, sizeof err), 0, "%s", err);
    cr_assert_eq(store_sweep(b, "s1", "spec", "cpu", &id_b, err, sizeof err), 0, "%s", err);
    cr_expect_eq(id_a, id_b);
    store_close(a);
    store_close(b);
    cr_expect_eq(scalar("SELECT count(*) FROM sweeps"), 1);
}

/* The column that version 8 added, dropped again: a version-7 database. */
#define DROP_VERSION_8 "ALTER TABLE runs DROP COLUMN machine; "

/* The column that version 7 added (and 8's), dropped again: a version-6 database. */
#define DROP_VERSION_7 DROP_VERSION_8 "ALTER TABLE sweeps DROP COLUMN plugins; "

/* The column that version 6 added (and 7's), dropped again: a version-5 database. */
#define DROP_VERSION_6 DROP_VERSION_7 "ALTER TABLE runs DROP COLUMN group_state; "

/* The columns that versions 5 and 6 added, dropped again: a version-4 database
 * (version 4's wider CHECK of runs.status is left: older files read the same). */
#define DROP_VERSION_5                                                                                             \
    DROP_VERSION_6                                                                                                 \
    "ALTER TABLE metrics DROP COLUMN grad_norm; ALTER TABLE metrics DROP COLUMN clipped_grad_norm; "             \
    "ALTER TABLE metrics DROP COLUMN update_norm; ALTER TABLE metrics DROP COLUMN param_norm; "

/* The columns that versions 3, 5 and 6 added, dropped again: a version-2 database. */
#define DROP_VERSION_3                                                                                             \
    DROP_VERSION_5                                                                                                 \
    "ALTER TABLE sweeps DROP COLUMN machine; ALTER TABLE runs DROP COLUMN threads; "                             \
    "ALTER TABLE runs DROP COLUMN flops_per_step; ALTER TABLE runs DROP COLUMN flops_per_eval; "                 \
    "ALTER TABLE runs DROP COLUMN gflops; ALTER TABLE runs DROP COLUMN sgemm_gflops; "

/* A database of an older version, made by dropping what it lacked. */
static void make_old(const char *drop)
{
    sqlite3 *db;
    char err[ERRMSG_MAX];
    cr_assert_eq(store_open(path, &db, err, sizeof err), 0, "%s", err);
    store_close(db);
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, drop, NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    sqlite3_close(db);
}

Test(store, version_6_is_read_and_gains_plugins_when_written)
{
    sqlite3 *db;
    char err[ERRMSG_MAX], where[64], sha[SHA256_HEX_LEN + 1];
    int64_t sweep;
    const OptimizerDef mine = {.name = "mine"};
    PluginInfo info = {.path = "/x/mine.so", .optimizer = &mine};
    const PluginInfo *used[1] = {&info};
    memset(info.sha256, 'a', SHA256_HEX_LEN);
    make_old(DROP_VERSION_7 "PRAGMA user_version = 6");
    cr_assert_eq(store_open_readonly(path, &db, err, sizeof err), 0, "%s", err);
    cr_expect_eq(store_sweep_plugin(db, "s1", "mine", where, sizeof where, sha), 0, "no plugins column: none");
    store_close(db);
    cr_expect_eq(scalar("PRAGMA user_version"), 6, "a read leaves it as it is");
    cr_assert_eq(store_open(path, &db, err, sizeof err), 0, "%s", err);
    cr_expect_eq(scalar("PRAGMA user_version"), STORE_SCHEMA_VERSION);
    cr_assert_eq(store_sweep(db, "s1", "spec", "cpu", &sweep, err, sizeof err), 0, "%s", err);
    cr_assert_eq(store_set_sweep_plugins(db, sweep, used, 1, err, sizeof err), 0, "%s", err);
    cr_assert_eq(store_sweep_plugin(db, "s1", "mine", where, sizeof where, sha), 1);
    cr_expect_str_eq(where, "/x/mine.so");
    cr_expect_str_eq(sha, info.sha256);
    cr_expect_eq(store_sweep_plugin(db, "s1", "other", where, sizeof where, sha), 0);
    /* recording again replaces the list */
    cr_assert_eq(store_set_sweep_plugins(db, sweep, used, 0, err, sizeof err), 0, "%s", err);
    cr_expect_eq(store_sweep_plugin(db, "s1", "mine", where, sizeof where, sha), 0);
    store_close(db);
}

Test(store, version_4_is_read_and_upgraded_when_written)
{
    sqlite3 *db;
    char err[ERRMSG_MAX];
    int64_t sweep, run;
    RunConfig cfg = rosenbrock_adam();
    RunSummary sum;
    make_old(DROP_VERSION_5 "PRAGMA user_version = 4");
    cr_assert_eq(store_open(path, &db, err, sizeof err), 0, "%s", err);
    store_close(db);
    cr_expect_eq(scalar("PRAGMA user_version"), STORE_SCHEMA_VERSION);
    cr_expect_eq(scalar("SELECT count(*) FROM pragma_table_info('metrics') WHERE name IN ('grad_norm', "
                        "'clipped_grad_norm', 'update_norm', 'param_norm')"), 4);
    /* and a run's rows with their norms go into the upgraded table */
    cr_assert_eq(store_open(path, &db, err, sizeof err), 0, "%s", err);
    cr_assert_eq(store_sweep(db, "s1", "spec", "cpu", &sweep, err, sizeof err), 0, "%s", err);
    cr_assert_eq(claim1(db, sweep, me(), &cfg, &run), CLAIM_RUN);
    run_summary_start(&cfg, &sum);
    sum.status = RUN_DONE;
    MetricRow row = {1, 2.5, NAN, NAN, 0.01, 0.001, {3, 1, 0.25, 7}};
    cr_assert_eq(store_write_result(db, run, &sum, &row, 1, 0, 1e9, err, sizeof err), 0, "%s", err);
    store_close(db);
    cr_expect_eq(scalar("SELECT count(*) FROM metrics WHERE grad_norm = 3 AND clipped_grad_norm = 1 AND "
                        "update_norm = 0.25 AND param_norm = 7"), 1);
}

Test(store, version_2_is_read_and_upgraded_when_written)
{
    sqlite3 *db;
    char err[ERRMSG_MAX], machine[256];
    int64_t sweep;
    make_old(DROP_VERSION_3 "PRAGMA user_version = 2");
    cr_assert_eq(store_open_readonly(path, &db, err, sizeof err), 0, "%s", err);
    store_get_machine(db, "s1", machine, sizeof machine);
    cr_expect_str_eq(machine, "", "no machine column: nothing");
    store_close(db);
    cr_expect_eq(scalar("PRAGMA user_version"), 2, "a read leaves it as it is");
    cr_assert_eq(store_open(path, &db, err, sizeof err), 0, "%s", err);
    cr_assert_eq(store_sweep(db, "s1", "spec", "cpu", &sweep, err, sizeof err), 0, "%s", err);
    cr_assert_eq(store_sweep_machine(db, sweep, "{\"cpu\":\"X\",\"cores\":4,\"blas\":\"B\",\"blas_core\":\"K\","
                                               "\"jobs\":2,\"threads_per_job\":0}", err, sizeof err), 0, "%s", err);
    store_get_machine(db, "s1", machine, sizeof machine);
    cr_expect_str_eq(machine, "X, 4 cores; B (kernels K); 2 jobs x 2 threads");
    store_close(db);
    cr_expect_eq(scalar("PRAGMA user_version"), STORE_SCHEMA_VERSION);
    cr_expect_eq(scalar("SELECT count(*) FROM pragma_table_info('runs') WHERE name IN ('threads', 'flops_per_step', "
                        "'flops_per_eval', 'gflops', 'sgemm_gflops')"), 5);
}

Test(store, version_5_is_read_and_gains_group_state_when_written)
{
    sqlite3 *db;
    char err[ERRMSG_MAX];
    int64_t sweep, run;
    make_old(DROP_VERSION_6 "PRAGMA user_version = 5");
    cr_assert_eq(store_open_readonly(path, &db, err, sizeof err), 0, "%s", err);
    store_close(db);
    cr_expect_eq(scalar("PRAGMA user_version"), 5, "a read leaves it as it is");
    cr_assert_eq(store_open(path, &db, err, sizeof err), 0, "%s", err);
    cr_assert_eq(store_sweep(db, "s1", "spec", "cpu", &sweep, err, sizeof err), 0, "%s", err);
    RunConfig cfg = rosenbrock_adam();
    cr_expect_eq(claim1(db, sweep, me(), &cfg, &run), CLAIM_RUN);
    RunSummary s;
    run_summary_start(&cfg, &s);
    s.status = RUN_DONE;
    s.group_params[ROLE_MATRIX] = 6;
    s.group_state_bytes[ROLE_MATRIX] = 20;
    s.group_params[ROLE_VECTOR] = 3;
    s.group_state_bytes[ROLE_VECTOR] = 24;
    cr_assert_eq(store_write_result(db, run, &s, NULL, 0, 0, 1e9, err, sizeof err), 0, "%s", err);
    store_close(db);
    cr_expect_eq(scalar("PRAGMA user_version"), STORE_SCHEMA_VERSION);
    cr_expect_eq(scalar("SELECT json_extract(group_state, '$.matrices.state_bytes') * 100 + "
                        "json_extract(group_state, '$.vectors.params') FROM runs"), 2003);
    cr_expect_eq(scalar("SELECT json_type(group_state, '$.embeddings') IS NULL FROM runs"), 1);
}

Test(store, version_1_is_read_and_upgraded_when_written)
{
    sqlite3 *db;
    char err[ERRMSG_MAX];
    int64_t sweep;
    make_old(DROP_VERSION_3 "ALTER TABLE runs DROP COLUMN owner; PRAGMA user_version = 1");
    cr_assert_eq(store_open_readonly(path, &db, err, sizeof err), 0, "%s", err);
    store_close(db);
    cr_expect_eq(scalar("PRAGMA user_version"), 1, "a read leaves it as it is");
    cr_assert_eq(store_open(path, &db, err, sizeof err), 0, "%s", err);
    cr_assert_eq(store_sweep(db, "s1", "spec", "cpu", &sweep, err, sizeof err), 0, "%s", err);
    RunConfig cfg = rosenbrock_adam();
    int64_t run;
    cr_expect_eq(claim1(db, sweep, me(), &cfg, &run), CLAIM_RUN);
    store_close(db);
    cr_expect_eq(scalar("PRAGMA user_version"), STORE_SCHEMA_VERSION);
    cr_expect_eq(scalar("SELECT count(*) FROM runs WHERE owner IS NOT NULL"), 1);
}

/* Collects store_check's problems. */
static void count_problem(void *ctx, const char *problem)
{
    (void)problem;
    ++*(int *)ctx;
}

Test(store, check_finds_schema_differences)
{
    sqlite3 *db;
    char err[ERRMSG_MAX];
    int seen = 0;
    cr_assert_eq(store_open(path, &db, err, sizeof err), 0, "%s", err);
    store_close(db);
    cr_expect_eq(store_check(path, count_problem, &seen, err, sizeof err), 0);
    cr_expect_eq(seen, 0);
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, "ALTER TABLE metrics DROP COLUMN lr; CREATE TABLE extra (x); DROP INDEX runs_by_status",
                              NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    sqlite3_close(db);
    cr_expect_eq(store_check(path, count_problem, &seen, err, sizeof err), 3);
    cr_expect_eq(seen, 3);
    snprintf(path, sizeof path, "%s/missing.db", dir);
    cr_expect_eq(store_check(path, count_problem, &seen, err, sizeof err), -1);
}

Test(store, refuses_a_file_that_is_not_sqlite)
{
    sqlite3 *db;
    char err[ERRMSG_MAX], cmd[256];
    snprintf(path, sizeof path, "%s/notes.txt", dir);
    FILE *f = fopen(path, "w");
    fputs("these are my notes, not a database\n", f);
    fclose(f);
    cr_expect_neq(store_open(path, &db, err, sizeof err), 0);
    cr_expect(strstr(err, "not an SQLite database") && strstr(err, path), "%s", err);
    snprintf(cmd, sizeof cmd, "grep -qx 'these are my notes, not a database' '%s'", path);
    cr_expect_eq(system(cmd), 0, "file left untouched");
}

Test(store, refuses_a_foreign_database_and_another_version)
{
    sqlite3 *db;
    char err[ERRMSG_MAX];
    snprintf(path, sizeof path, "%s/other.db", dir);
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    char sql[128], want[64]; /* a version past this build's */
    snprintf(sql, sizeof sql, "CREATE TABLE t (x); PRAGMA user_version = %d", STORE_SCHEMA_VERSION + 1);
    snprintf(want, sizeof want, "schema version %d", STORE_SCHEMA_VERSION + 1);
    cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    cr_expect_neq(store_open(path, &db, err, sizeof err), 0);
    cr_expect(strstr(err, "not an optbench one") != NULL, "%s", err);
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, "PRAGMA application_id = 1330664514", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    cr_expect_neq(store_open(path, &db, err, sizeof err), 0);
    cr_expect(strstr(err, want) != NULL, "%s", err);
    cr_expect_eq(scalar("SELECT count(*) FROM sqlite_master"), 1, "nothing was added");
}

Test(store, check_accepts_older_versions)
{
    char err[ERRMSG_MAX];
    int seen = 0;
    make_old(DROP_VERSION_8 "PRAGMA user_version = 7");
    cr_expect_eq(store_check(path, count_problem, &seen, err, sizeof err), 0, "version 7 lacks only what version 8 adds");
    unlink(path);
    make_old(DROP_VERSION_7 "PRAGMA user_version = 6");
    cr_expect_eq(store_check(path, count_problem, &seen, err, sizeof err), 0, "version 6 lacks only what version 7 adds");
    unlink(path);
    make_old(DROP_VERSION_6 "PRAGMA user_version = 5");
    cr_expect_eq(store_check(path, count_problem, &seen, err, sizeof err), 0, "version 5 lacks only what version 6 adds");
    unlink(path);
    make_old(DROP_VERSION_5 "PRAGMA user_version = 4");
    cr_expect_eq(store_check(path, count_problem, &seen, err, sizeof err), 0, "version 4 lacks only what version 5 adds");
    unlink(path);
    make_old(DROP_VERSION_3 "PRAGMA user_version = 2");
    cr_expect_eq(store_check(path, count_problem, &seen, err, sizeof err), 0, "version 2 lacks only what version 3 adds");
    unlink(path);
    make_old(DROP_VERSION_3 "ALTER TABLE runs DROP COLUMN owner; PRAGMA user_version = 1");
    cr_expect_eq(store_check(path, count_problem, &seen, err, sizeof err), 0, "version 1 lacks only what its upgrades add");
    unlink(path);
    make_old(DROP_VERSION_3 "ALTER TABLE runs DROP COLUMN owner; ALTER TABLE metrics DROP COLUMN lr; "
                            "PRAGMA user_version = 1");
    cr_expect_eq(store_check(path, count_problem, &seen, err, sizeof err), 1, "a column no upgrade adds is missing");
    cr_expect_eq(seen, 1);
}
