/* hostinfo.c — CPU model and host name. */
#include "harness/core/hostinfo.h"

#include <limits.h>
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
