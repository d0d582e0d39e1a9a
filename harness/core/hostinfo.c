/* hostinfo.c — CPU model, host name, core count, shipped files and process identities. */
#define _GNU_SOURCE /* sched_getaffinity */
#include "harness/core/hostinfo.h"

#include <cblas.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void host_cpu_name(char *buf, size_t len)
{
    snprintf(buf, len, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (strncmp(line, "model name", 10) == 0 && colon) {
            colon += 1 + (colon[1] == ' ');
            colon[strcspn(colon, "\n")] = 0;
            snprintf(buf, len, "%s", colon);
            break;
        }
    }
    fclose(f);
}

void host_name(char *buf, size_t len)
{
    if (gethostname(buf, len) != 0) snprintf(buf, len, "unknown");
    buf[len - 1] = 0;
}

int host_find_shipped(const char *repo_path, const char *installed_path, char *out, size_t len)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash;
    snprintf(out, len, "%s", repo_path);
    if (access(out, R_OK) == 0) return 0;
    exe[n > 0 ? n : 0] = 0;
    if (!(slash = strrchr(exe, '/'))) return -1;
    *slash = 0; /* the binary's folder */
    snprintf(out, len, "%s/%s", exe, repo_path);
    if (access(out, R_OK) == 0) return 0;
    if ((slash = strrchr(exe, '/'))) *slash = 0; /* the prefix above bin/ */
    snprintf(out, len, "%s/share/optbench/%s", exe, installed_path);
    return access(out, R_OK) == 0 ? 0 : -1;
}

/* The start time, in clock ticks after boot, of process pid; 0 if gone. */
static unsigned long long process_start(long pid)
{
    char path[64], line[1024];
    unsigned long long start = 0;
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = 0;
    const char *p = strrchr(line, ')'); /* the command name may hold spaces and parentheses */
    /* after ")": state is field 3; starttime is field 22 */
    for (int field = 2; p && field < 22; field++) p = strchr(p + 1, ' ');
    if (p) sscanf(p, "%llu", &start);
    return start;
}

/* The kernel's boot id ("" if unreadable). */
static void boot_id(char *buf, size_t len)
{
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
    buf[0] = 0;
    if (f && fgets(buf, (int)len, f)) buf[strcspn(buf, "\n")] = 0;
    if (f) fclose(f);
}

void host_process_id(long pid, char *buf, size_t len)
{
    char boot[64];
    boot_id(boot, sizeof boot);
    snprintf(buf, len, "%ld %s %llu", pid, boot, process_start(pid));
}

int host_process_alive(const char *id)
{
    char boot[64], their_boot[64];
    long pid;
    unsigned long long start;
    if (sscanf(id, "%ld %63s %llu", &pid, their_boot, &start) != 3 || pid <= 0) return 0;
    boot_id(boot, sizeof boot);
    return strcmp(boot, their_boot) == 0 && process_start(pid) == start;
}

long host_process_pid(const char *id)
{
    long pid = 0;
    return sscanf(id, "%ld", &pid) == 1 ? pid : 0;
}

int host_cores(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
    const long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* s as the body of a JSON string (quotes and backslashes escaped, control
 * characters dropped). */
static void json_body(char *out, size_t len, const char *s)
{
    size_t o = 0;
    for (; *s && o + 2 < len; s++) {
        if ((unsigned char)*s < 0x20) continue;
        if (*s == '"' || *s == '\\') out[o++] = '\\';
        out[o++] = *s;
    }
    out[o] = 0;
}

void host_machine_json(char *buf, size_t len, int jobs, int threads_per_job)
{
    char cpu[256], cpu_json[512], blas[512], core[128];
    host_cpu_name(cpu, sizeof cpu);
    json_body(cpu_json, sizeof cpu_json, cpu);
    json_body(blas, sizeof blas, openblas_get_config());
    json_body(core, sizeof core, openblas_get_corename());
    snprintf(buf, len, "{\"cpu\":\"%s\",\"cores\":%d,\"blas\":\"%s\",\"blas_core\":\"%s\",\"jobs\":%d,"
             "\"threads_per_job\":%d}", cpu_json, host_cores(), blas, core, jobs, threads_per_job);
}
