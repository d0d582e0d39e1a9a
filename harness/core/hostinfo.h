/* hostinfo.h — facts about the machine recorded with each sweep. */
#ifndef OPTBENCH_HOSTINFO_H
#define OPTBENCH_HOSTINFO_H

#include <stddef.h>

#define OPTBENCH_VERSION "0.1.0"

/* The CPU model from /proc/cpuinfo ("unknown CPU" if unreadable). */
void host_cpu_name(char *buf, size_t len);

/* The host name ("unknown" if unreadable). */
void host_name(char *buf, size_t len);

/* Where a shipped file or folder is: `repo_path` under the current folder,
 * then beside the running binary (a build in the source tree), then
 * `share/optbench/installed_path` under the binary's install prefix (the
 * folder above its bin/; see `make install`). Returns 0 with the first that
 * exists in out, or -1 with the installed location in out (for messages). */
int host_find_shipped(const char *repo_path, const char *installed_path, char *out, size_t len);

#endif
