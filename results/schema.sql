-- schema.sql — the optbench result database (schema version 8).
--
-- One database holds many sweeps; a sweep holds runs; a run holds metrics
-- rows. Identify an optbench database by PRAGMA application_id = 1330664514
-- ('OPTB') and its schema by PRAGMA user_version = 8. Older versions are
-- read as they are and brought to this one, by adding the columns they
-- lack at the end of their tables, when optbench first writes them:
-- version 1 lacked runs.owner, version 2 sweeps.machine and the runs
-- columns from threads on, version 3 the status 'pruned' (the CHECK of
-- runs.status is widened in place, no row is rewritten), version 4 the
-- metrics columns from grad_norm on, version 5 runs.group_state, version 6
-- sweeps.plugins, version 7 runs.machine.
-- Times are seconds, memory is bytes, timestamps are UTC ISO-8601 text.
-- JSON columns are text that SQLite's json_extract() reads.

CREATE TABLE sweeps (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,   -- sweep name ("adhoc" for `optbench run`)
    spec        TEXT NOT NULL,          -- the sweep file's text, or a description
    created_at  TEXT NOT NULL,
    version     TEXT NOT NULL,          -- optbench version that created it
    host        TEXT NOT NULL,          -- host name
    device_name TEXT NOT NULL,          -- CPU model or GPU name
    machine     TEXT,                   -- JSON of the machine it was created on: cpu; cores;
                                        --   blas (OpenBLAS's build); blas_core (its kernel
                                        --   family); jobs; threads_per_job (0: cores / jobs)
                                        --   (no commas in this comment: SQLite's DROP COLUMN
                                        --   of the next column in the upgrade tests misreads them)
    plugins     TEXT                    -- JSON list of the optimizer plugins its runs use, as of
                                        --   its last invocation: [{"optimizer", "path" (absolute),
                                        --   "sha256" (of the shared object)}]; NULL: none
);

CREATE TABLE runs (
    id              INTEGER PRIMARY KEY,
    sweep_id        INTEGER NOT NULL REFERENCES sweeps(id),
    key             TEXT NOT NULL,      -- hash of config; unique within a sweep
    config          TEXT NOT NULL,      -- canonical config (JSON, sorted keys, defaults filled)
    problem         TEXT NOT NULL,
    problem_options TEXT NOT NULL,      -- JSON
    optimizer       TEXT NOT NULL,
    hyperparameters TEXT NOT NULL,      -- JSON, every hyperparameter
    schedule        TEXT NOT NULL,      -- JSON {"name":...,"warmup":...}
    clip            REAL NOT NULL,      -- max global grad norm, 0 = none
    accum           INTEGER NOT NULL,   -- minibatches per update
    seed            INTEGER NOT NULL,
    device          TEXT NOT NULL,      -- cpu | cuda
    steps           INTEGER NOT NULL,   -- steps asked for
    log_every       INTEGER NOT NULL,
    eval_every      INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN
                        ('pending','running','done','diverged','failed','timeout','pruned')),
    error           TEXT,               -- reason of failed/timeout/diverged/pruned
    started_at      TEXT,
    finished_at     TEXT,
    steps_done      INTEGER,            -- steps whose loss was computed
    first_loss      REAL,
    final_loss      REAL,               -- training loss of the last step
    best_loss       REAL,               -- lowest training loss
    eval_loss       REAL,               -- held-out loss at the end
    eval_accuracy   REAL,               -- held-out accuracy at the end
    target_loss     REAL,               -- target used for time-to-target
    steps_to_target INTEGER,            -- first step with loss <= target (NULL: never)
    seconds_to_target REAL,             -- training seconds to that step
    n_params        INTEGER,
    param_bytes     INTEGER,
    grad_bytes      INTEGER,
    state_bytes     INTEGER,            -- optimizer state
    activation_bytes INTEGER,           -- problem scratch for forward/backward
    peak_bytes      INTEGER,            -- peak of the harness allocator
    peak_rss        INTEGER,            -- peak resident set of the process
    device_peak_bytes INTEGER,          -- cuda: peak of the harness's device allocator (NULL on cpu)
    device_used_bytes INTEGER,          -- cuda: most device memory in use by every process,
                                        --   cudaMemGetInfo total - free (NULL on cpu)
    fb_time_median  REAL,               -- forward+backward seconds per step
    fb_time_p90     REAL,
    opt_time_median REAL,               -- optimizer-step seconds per step
    opt_time_p90    REAL,
    step_time_median REAL,              -- whole step
    step_time_p90   REAL,
    wall_seconds    REAL,
    owner           TEXT,               -- while pending or running: the sweep process that
                                        --   claimed it, "PID BOOT-ID START-TICKS"
    threads         INTEGER,            -- OpenMP threads of a CPU run (0 on a device)
    flops_per_step  REAL,               -- FLOPs of one step from the problem's shapes:
                                        --   accum x (forward + backward) + the optimizer's
    flops_per_eval  REAL,               -- FLOPs of one held-out evaluation (0: none)
    gflops          REAL,               -- achieved: flops_per_step / step_time_median / 1e9
    sgemm_gflops    REAL,               -- the machine's sgemm GFLOP/s on the problem's own
                                        --   product shapes and threads, measured by the same
                                        --   process; MFU = gflops / sgemm_gflops
    group_state     TEXT,               -- JSON: each parameter group the problem has, its floats
                                        --   and exact optimizer-state bytes, e.g.
                                        --   {"matrices":{"params":2368,"state_bytes":9472},...}
    machine         TEXT,               -- JSON as sweeps.machine: the machine the run ran on
                                        --   where it differs from the sweep's (a re-run
                                        --   elsewhere or a merged shard); NULL: the sweep's
    UNIQUE (sweep_id, key)
);

CREATE TABLE metrics (
    run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step          INTEGER NOT NULL,     -- 1-based; loss at params after step-1 updates
    loss          REAL,                 -- training loss of the step
    eval_loss     REAL,                 -- held-out loss (NULL: not evaluated)
    eval_accuracy REAL,                 -- held-out accuracy (NULL: none)
    lr            REAL,                 -- scheduled lr
    elapsed       REAL,                 -- training seconds through this step
    grad_norm     REAL,                 -- L2 norms over every parameter: the step's gradient
                                        --   before clipping,
    clipped_grad_norm REAL,             --   the gradient the update used (after clipping),
    update_norm   REAL,                 --   ||p_after - p_before|| of the step's update,
    param_norm    REAL,                 --   the parameters after it (NULL: a row older than v5)
    PRIMARY KEY (run_id, step)
) WITHOUT ROWID;

CREATE INDEX runs_by_status ON runs (sweep_id, status);
