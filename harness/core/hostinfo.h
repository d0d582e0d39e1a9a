/* hostinfo.h — facts about the machine recorded with each sweep. */
#ifndef OPTBENCH_HOSTINFO_H
#define OPTBENCH_HOSTINFO_H

#include <stddef.h>

#define OPTBENCH_VERSION "0.1.0"

/* The CPU model from /proc/cpuinfo ("unknown CPU" if unreadable). */
void host_cpu_name(char *buf, size_t len);

/* The host name ("unknown" if unreadable). */
void host_name(char *buf, size_t len);

#define HOST_PROCESS_ID_MAX 96 /* room for a host_process_id text */

/* Process pid (getpid() for this one) as a text that names it uniquely on
 * this machine across reboots: "PID BOOT-ID START-TICKS" (the kernel's boot
 * id and the process's start time, so that a reused pid is not mistaken
 * for it). */
void host_process_id(long pid, char *buf, size_t len);

/* 1 when the process named by a host_process_id text is still alive on this
 * machine; 0 when it has ended, or ran on another machine or boot. */
int host_process_alive(const char *id);

/* The pid part of a host_process_id text (0 if malformed). */
long host_process_pid(const char *id);

/* Where a shipped file or folder is: `repo_path` under the current folder,
 * then beside the running binary (a build in the source tree), then
 * `share/optbench/installed_path` under the binary's install prefix (the
 * folder above its bin/; see `make install`). Returns 0 with the first that
 * exists in out, or -1 with the installed location in out (for messages). */
int host_find_shipped(const char *repo_path, const char *installed_path, char *out, size_t len);

/* Cores this process may run on (its CPU affinity; at least 1): the default
 * of `run --threads` and `sweep --jobs`, and the bound of jobs x threads. */
int host_cores(void);

/* The machine a sweep runs on, as the JSON object of sweeps.machine:
 * {"cpu":..., "cores":N, "blas":OpenBLAS's build, "blas_core":its kernel
 * family, "jobs":J, "threads_per_job":T (0: cores / jobs)}. */
void host_machine_json(char *buf, size_t len, int jobs, int threads_per_job);

#endif
