/* report_plots.c — filling gnuplot templates and running gnuplot. */
#include "harness/report/report_plots.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *template_text(const char *name)
{
    for (int i = 0; plot_templates[i].name; i++)
        if (!strcmp(plot_templates[i].name, name)) return plot_templates[i].text;
    return NULL;
}

int plot_have_gnuplot(void)
{
    const char *path = getenv("PATH");
    char dir[4096];
    for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
        const char *colon = strchr(p, ':');
        size_t l = colon ? (size_t)(colon - p) : strlen(p);
        snprintf(dir, sizeof dir, "%.*s/gnuplot", (int)l, p);
        if (access(dir, X_OK) == 0) return 1;
        if (!colon) break;
        p = colon + 1;
    }
    return 0;
}

/* Writes text to dir/name. */
static int write_file(const char *dir, const char *name, const char *text, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int plot_begin(const char *dir, char *err, size_t errlen)
{
    return write_file(dir, "common.gp", template_text("common.gp"), err, errlen);
}

/* Runs `gnuplot -e 'fmt="FMT"' FILE` in dir; output goes to dir/gnuplot.log. */
static int run_gnuplot(const char *dir, const char *gp, const char *fmt, char *err, size_t errlen)
{
    char expr[32];
    snprintf(expr, sizeof expr, "fmt=\"%s\"", fmt);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "starting gnuplot: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        if (chdir(dir) != 0 || !freopen("gnuplot.log", "a", stderr) || !freopen("/dev/null", "w", stdout)) _exit(127);
        execlp("gnuplot", "gnuplot", "-e", expr, gp, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(err, errlen, "gnuplot failed on %s/%s (%s); see %s/gnuplot.log", dir, gp, fmt, dir);
        return -1;
    }
    return 0;
}

int plot_render(const char *dir, const char *name, const char *base, const char *const (*subs)[2], int n,
                char *err, size_t errlen)
{
    const char *text = template_text(name);
    char *out = NULL, gp[256];
    size_t len = 0, cap = 0;
    int rc = -1;
    if (!text) {
        snprintf(err, errlen, "no plot template %s", name);
        return -1;
    }
    for (const char *p = text; *p;) {
        const char *piece = p, *value = NULL;
        size_t plen = 1;
        if (!strncmp(p, "@OUT@", 5)) {
            value = base;
            plen = 5;
        }
        for (int i = 0; i < n && !value && *p == '@'; i++) {
            size_t kl = strlen(subs[i][0]);
            if (!strncmp(p + 1, subs[i][0], kl) && p[1 + kl] == '@') {
                value = subs[i][1];
                plen = kl + 2;
            }
        }
        const char *add = value ? value : piece;
        size_t alen = value ? strlen(value) : 1;
        if (len + alen + 1 > cap) {
            cap = 2 * (len + alen + 1) + 4096;
            char *grown = realloc(out, cap);
            if (!grown) goto cleanup;
            out = grown;
        }
        memcpy(out + len, add, alen);
        len += alen;
        out[len] = 0;
        p += plen;
    }
    snprintf(gp, sizeof gp, "%s.gp", base);
    if (write_file(dir, gp, out ? out : "", err, errlen) || run_gnuplot(dir, gp, "svg", err, errlen) ||
        run_gnuplot(dir, gp, "png", err, errlen))
        goto cleanup;
    rc = 0;
cleanup:
    if (rc && !err[0]) snprintf(err, errlen, "out of memory filling %s", name);
    free(out);
    return rc;
}
