/* hostinfo.h — facts about the machine recorded with each sweep. */
#ifndef OPTBENCH_HOSTINFO_H
#define OPTBENCH_HOSTINFO_H

#include <stddef.h>

#define OPTBENCH_VERSION "0.1.0"

/* The CPU model from /proc/cpuinfo ("unknown CPU" if unreadable). */
void host_cpu_name(char *buf, size_t len);

/* The host name ("unknown" if unreadable). */
void host_name(char *buf, size_t len);

#endif
