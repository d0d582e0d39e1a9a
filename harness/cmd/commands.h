/* commands.h — the subcommands; each takes (argc, argv) with argv[0] its
 * own name and returns an exit code of cli.h, and has its command line in
 * NAME_command (its name, flags and help: cli.h). */
#ifndef OPTBENCH_COMMANDS_H
#define OPTBENCH_COMMANDS_H

#include "harness/cmd/cli.h"

extern const CliCommand run_command, sweep_command, list_command, report_command, best_command, show_command,
    rm_command, rename_command, merge_command, check_command, slurm_command, export_command, verify_command,
    golden_command, compare_command, bench_command, gradcheck_command, optimizers_command, problems_command;

int cmd_run(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_rm(int argc, char **argv);
int cmd_rename(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_best(int argc, char **argv);
int cmd_slurm(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_golden(int argc, char **argv);

int cmd_compare(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_gradcheck(int argc, char **argv);
int cmd_optimizers(int argc, char **argv);
int cmd_problems(int argc, char **argv);

#endif
