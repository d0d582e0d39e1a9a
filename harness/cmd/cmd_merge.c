/* cmd_merge.c — `optbench merge OUT.db SHARD.db...`: combine the shard
 * databases of a sweep run as many tasks into one (merge.h). */
#include <stdio.h>

#include "harness/cmd/cli.h"
#include "harness/cmd/commands.h"
#include "harness/store/merge.h"
#include "harness/core/params.h"
#include "harness/store/store.h"

const CliCommand merge_command = {
    .name = "merge",
    .operands = "OUT.db SHARD.db...",
    .about =
    "  Copies the sweeps, runs and metrics of each shard into OUT.db (created when\n"
    "  missing), one transaction per shard; the shards are only read. Sweeps are\n"
    "  matched by name and must have the same spec text; runs by sweep and key.\n"
    "  A finished run (done, diverged) replaces an unfinished one (pending, running,\n"
    "  failed, timeout); otherwise the run already in OUT.db stays, so merging\n"
    "  again adds nothing. Databases of another schema version, files that are not\n"
    "  optbench databases and differing specs are refused before anything is written.\n"
    "  Exit 0: merged; 2: usage or input error; 3: runtime error.\n",
};

int cmd_merge(int argc, char **argv)
{
    sqlite3 *out = NULL;
    char err[ERRMSG_MAX];
    MergeCounts c;
    int rc = EXIT_OK;
    CliParse p;
    cli_begin(&p, &merge_command, argc, argv);
    if (cli_next(&p) != CLI_END) return p.rc; /* it has no flags: --help, or an error */
    char *const *db = p.operands;
    if (p.n_operands < 2) return cli_parse_error(&p, "expected OUT.db and at least one SHARD.db");
    if (merge_check(db[0], db + 1, p.n_operands - 1, err, sizeof err) || store_open(db[0], &out, err, sizeof err)) {
        rc = cli_fail(EXIT_USAGE, "%s", err);
        goto cleanup;
    }
    for (int i = 1; i < p.n_operands; i++) {
        if (merge_shard(out, db[0], db[i], &c, err, sizeof err)) {
            rc = cli_fail(EXIT_RUNTIME, "%s", err);
            goto cleanup;
        }
        printf("%s: %ld sweep%s (%ld new), runs: %ld added, %ld replaced, %ld kept\n", db[i], c.sweeps,
               c.sweeps == 1 ? "" : "s", c.sweeps_added, c.runs_added, c.runs_replaced, c.runs_kept);
    }
cleanup:
    store_close(out);
    return rc;
}
