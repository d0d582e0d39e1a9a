/* report_plots.c — filling gnuplot templates and running gnuplot. */
#include "harness/report/report_plots.h"

#include <ctype.h>
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

/* 1 when a bare placeholder's value may stand in gnuplot code as it is. */
static int plain_code(const char *v)
{
    for (; *v; v++)
        if (!isalnum((unsigned char)*v) && !strchr(" .+-_", *v)) return 0;
    return 1;
}

/* Room for len + add + 1 bytes in *out; -1 when out of memory. */
static int grow(char **out, size_t *cap, size_t len, size_t add)
{
    if (len + add + 1 <= *cap) return 0;
    size_t want = 2 * (len + add + 1) + 4096;
    char *grown = realloc(*out, want);
    if (!grown) return -1;
    *out = grown;
    *cap = want;
    return 0;
}

void plot_data_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) fputc(*s == '"' ? '\'' : (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, f);
    fputc('"', f);
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
        const char *value = NULL, *key = NULL;
        size_t plen = 1, klen = 0;
        const int quoted = *p == '\'' && p[1] == '@';
        const char *at = p + quoted;
        if (*at == '@') {
            if (!strncmp(at, "@OUT@", 5)) {
                value = base;
                key = "OUT";
                klen = 3;
            }
            for (int i = 0; i < n && !value; i++) {
                size_t kl = strlen(subs[i][0]);
                if (!strncmp(at + 1, subs[i][0], kl) && at[1 + kl] == '@') {
                    value = subs[i][1];
                    key = subs[i][0];
                    klen = kl;
                }
            }
            if (value && quoted && at[klen + 2] != '\'') value = NULL; /* '@KEY@ without its closing quote */
        }
        if (!value) { /* template text */
            if (grow(&out, &cap, len, 1)) goto cleanup;
            out[len++] = *p;
        } else if (quoted) {
            if (grow(&out, &cap, len, 2 * strlen(value) + 2)) goto cleanup;
            out[len++] = '\'';
            for (const char *v = value; *v; v++) {
                if (*v == '\'') out[len++] = '\'';
                out[len++] = (unsigned char)*v < 0x20 || *v == 0x7f ? ' ' : *v;
            }
            out[len++] = '\'';
            plen = klen + 4;
        } else if (!plain_code(value)) {
            snprintf(err, errlen, "%s: value '%s' of @%.*s@ is not a plain word or number", name, value, (int)klen, key);
            goto cleanup;
        } else {
            if (grow(&out, &cap, len, strlen(value))) goto cleanup;
            memcpy(out + len, value, strlen(value));
            len += strlen(value);
            plen = klen + 2;
        }
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
