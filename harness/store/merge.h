/* merge.h — combining shard databases into one (`optbench merge`).
 *
 * Sweeps are matched by name and must hold the same spec text everywhere;
 * runs are matched by (sweep name, key). A finished run (done, diverged)
 * replaces an unfinished one (pending, running, failed, timeout) together
 * with its metrics; otherwise the run already in the output is kept, so
 * merging the same shard twice adds nothing.
 */
#ifndef OPTBENCH_MERGE_H
#define OPTBENCH_MERGE_H

#include <sqlite3.h>
#include <stddef.h>

/* What merging one shard did. */
typedef struct {
    long sweeps;        /* sweeps the shard holds */
    long sweeps_added;  /* of those, new to the output */
    long runs_added;    /* runs whose key was not in the output */
    long runs_replaced; /* unfinished runs of the output replaced by finished ones */
    long runs_kept;     /* runs of the shard left out: the output's run stays */
} MergeCounts;

/* Checks, writing nothing, that out_path (when it exists) and every shard
 * are optbench databases of this schema version, that no shard is the
 * output itself, and that no sweep's spec differs between any two of them.
 * Returns 0, or -1 with a one-line message naming the files. */
int merge_check(const char *out_path, char *const *shards, int n_shards, char *err, size_t errlen);

/* Merges one shard (only read) into the open output database (out, opened
 * from out_path), in one transaction; call merge_check first. Returns 0, or
 * -1 with "SHARD: cannot merge it into OUT: reason" and the output as it
 * was. */
int merge_shard(sqlite3 *out, const char *out_path, const char *shard_path, MergeCounts *counts, char *err,
                size_t errlen);

#endif
