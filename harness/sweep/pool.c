/* pool.c — forking workers, feeding them configurations, collecting their
 * records, and noticing crashes and timeouts. */
#define _GNU_SOURCE /* F_SETPIPE_SZ */
#include "harness/sweep/pool.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <math.h>
#include <omp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/core/child.h"
#include "harness/core/fdio.h"
#include "harness/core/hostinfo.h"
#include "harness/core/memory.h"
#include "harness/core/timing.h"
#include "harness/run/runner.h"

#define WORKER_ROW_BUFFER 256 /* rows a worker holds before writing them */
#define FLUSH_SECONDS 1.0     /* a worker writes its rows at least this often */
#define QUEUE_BELOW_SECONDS 0.05 /* runs shorter than this on average are queued behind the current one */
#define QUEUE_SECONDS 0.01       /* of such runs, about this much work is queued per worker */
#define QUEUE_MAX 16             /* runs queued behind a worker's current one at most */
#define PIPE_BYTES (1 << 20)     /* room asked for in each pipe: the queued configurations, and the records
                                    of the runs a worker ends while the parent is busy elsewhere */

enum { REC_ROW = 1, REC_SUMMARY = 2, REC_WAIT = 3 };

typedef struct {
    int type;  /* REC_ROW, REC_SUMMARY or REC_WAIT (at a pruning checkpoint; nothing follows) */
    int count; /* rows that follow (REC_ROW), or 1 */
} RecordHeader;

/* ---- worker side ---------------------------------------------------- */

/* Rows waiting in a worker to be written to the parent. */
typedef struct {
    int fd;                             /* result pipe */
    int task_fd;                        /* the parent's answers at pruning checkpoints come here */
    const PruneSpec *prune;             /* the pruning rule, NULL for none */
    long steps;                         /* the current run's budget */
    int next_rung;                      /* its next ASHA rung */
    int n;                              /* rows held */
    double last_flush;                  /* when rows were last written */
    MetricRow rows[WORKER_ROW_BUFFER];  /* the rows */
} RowStream;

/* Writes to the parent; a worker whose parent is gone has nothing left to do. */
static void send_up(int fd, const void *buf, size_t len)
{
    if (write_all(fd, buf, len) != 0) _exit(3);
}

static void flush_rows(RowStream *rs)
{
    if (rs->n == 0) return;
    RecordHeader h = {REC_ROW, rs->n};
    send_up(rs->fd, &h, sizeof h);
    send_up(rs->fd, rs->rows, (size_t)rs->n * sizeof rs->rows[0]);
    rs->n = 0;
    rs->last_flush = now_seconds();
}

/* Reads exactly len bytes; 0 at a clean end of input, 1 when read. */
static int read_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    size_t got = 0;
    while (got < len) {
        ssize_t r = read(fd, p + got, len - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return 0;
        got += (size_t)r;
    }
    return 1;
}

static void stream_row(void *ctx, const MetricRow *row)
{
    RowStream *rs = ctx;
    rs->rows[rs->n++] = *row;
    if (rs->prune && prune_checkpoint(rs->prune, rs->steps, row->step, &rs->next_rung)) {
        /* the parent decides now: a byte to go on, or SIGKILL */
        char go;
        RecordHeader h = {REC_WAIT, 1};
        flush_rows(rs);
        send_up(rs->fd, &h, sizeof h);
        if (!read_all(rs->task_fd, &go, 1)) _exit(3);
        return;
    }
    if (rs->n == WORKER_ROW_BUFFER || now_seconds() - rs->last_flush > FLUSH_SECONDS) flush_rows(rs);
}

/* A worker: runs each configuration read from task_fd on its threads (or
 * on its share of the cores among n_workers), streaming records up. */
static void worker_main(int task_fd, int result_fd, int n_workers, const PruneSpec *prune)
{
    static RowStream rs; /* static: too large for the stack */
    static RunConfig cfg;
    RunSummary sum;
    /* no fastbins: each run frees and allocates its buffers, and consolidating
     * fastbins before the next run's large allocations cost 7% of a short run */
    mallopt(M_MXFAST, 0);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_IGN); /* the parent decides what Ctrl-C stops */
    rs.fd = result_fd;
    rs.task_fd = task_fd;
    rs.prune = prune;
    while (read_all(task_fd, &cfg, sizeof cfg)) {
        rs.n = 0;
        rs.steps = cfg.steps;
        rs.next_rung = 0;
        rs.last_flush = now_seconds();
        const int share = host_cores() / n_workers;
        omp_set_num_threads(cfg.threads > 0 ? cfg.threads : share > 1 ? share : 1);
        runner_run(&cfg, stream_row, &rs, &sum);
        flush_rows(&rs);
        RecordHeader h = {REC_SUMMARY, 1};
        send_up(result_fd, &h, sizeof h);
        send_up(result_fd, &sum, sizeof sum);
    }
    _exit(0);
}

/* ---- parent side ---------------------------------------------------- */

typedef struct {
    pid_t pid;          /* 0 when no process */
    int task_fd;        /* parent writes configs here */
    int result_fd;      /* parent reads records here */
    long task;          /* run in progress, -1 when idle */
    long queue[QUEUE_MAX]; /* runs handed over to follow it, in order */
    int q_head, q_len;  /* where the queue starts in `queue`, and its length */
    int q_room;         /* runs its task pipe holds without blocking the parent */
    double started;     /* when the run in progress started */
    char *inbox;        /* bytes read but not yet parsed */
    size_t in_len, in_cap; /* bytes held, room */
    MetricRow *rows;    /* rows of the current run */
    long n_rows, cap_rows; /* held, room */
    int waiting;        /* it waits at a pruning checkpoint for the parent's answer */
} Worker;

static int spawn(Worker *w, int n_workers, Worker *all, const PoolOptions *opt)
{
    int task[2], result[2];
    if (pipe(task) != 0) return -1;
    if (pipe(result) != 0) {
        close(task[0]), close(task[1]);
        return -1;
    }
    fflush(NULL);
    if (opt->on_fork) opt->on_fork(opt->ctx, 1);
    const pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0 && opt->on_fork) opt->on_fork(opt->ctx, 0);
    if (pid < 0) {
        close(task[0]), close(task[1]), close(result[0]), close(result[1]);
        return -1;
    }
    if (pid == 0) {
        if (child_tie(parent) != 0) _exit(EXIT_FAILURE);
        for (int i = 0; i < n_workers; i++)
            if (all[i].pid) close(all[i].task_fd), close(all[i].result_fd);
        close(task[1]);
        close(result[0]);
        worker_main(task[0], result[1], n_workers, opt->prune);
    }
    close(task[0]);
    close(result[1]);
    /* the default 64 KiB holds four configurations; a pipe keeps its
     * default size when the system refuses more */
    (void)fcntl(task[1], F_SETPIPE_SZ, PIPE_BYTES);
    (void)fcntl(result[0], F_SETPIPE_SZ, PIPE_BYTES);
    const int room = fcntl(task[1], F_GETPIPE_SZ);
    w->pid = pid;
    w->task_fd = task[1];
    w->result_fd = result[0];
    w->task = -1;
    w->q_head = w->q_len = 0;
    w->q_room = room > 0 ? room / (int)sizeof(RunConfig) - 1 : 0; /* less the current run's */
    w->in_len = 0;
    return 0;
}


/* Closes a worker's pipes and reaps it; *ru gets its resource usage. */
static int reap(Worker *w, int kill_first, struct rusage *ru)
{
    int status = 0;
    if (kill_first) kill(w->pid, SIGKILL);
    close(w->task_fd);
    close(w->result_fd);
    memset(ru, 0, sizeof *ru);
    while (wait4(w->pid, &status, 0, ru) < 0 && errno == EINTR) {}
    w->pid = 0;
    return status;
}

/* A summary for a run that ended without one. */
static void lost_summary(const RunConfig *cfg, const Worker *w, RunStatus status, const char *why,
                         const struct rusage *ru, RunSummary *sum)
{
    run_summary_start(cfg, sum);
    sum->status = status;
    sum->first_loss = w->n_rows ? w->rows[0].loss : NAN;
    sum->final_loss = w->n_rows ? w->rows[w->n_rows - 1].loss : NAN;
    sum->steps_done = w->n_rows ? w->rows[w->n_rows - 1].step : 0;
    sum->peak_rss = ru->ru_maxrss * 1024L;
    sum->wall_seconds = now_seconds() - w->started;
    /* an optimizer from a plugin is named with it: the likeliest culprit */
    snprintf(sum->error, sizeof sum->error, "%s (after step %ld%s%s)", why, sum->steps_done,
             cfg->optimizer->origin ? "; optimizer from " : "", cfg->optimizer->origin ? cfg->optimizer->origin : "");
}

static void describe_exit(int status, char *buf, size_t len)
{
    if (WIFSIGNALED(status))
        snprintf(buf, len, "worker killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        snprintf(buf, len, "worker exited with code %d", WEXITSTATUS(status));
}

static int append_rows(Worker *w, const MetricRow *rows, long n)
{
    if (w->n_rows + n > w->cap_rows) {
        long cap = w->cap_rows ? w->cap_rows : 1024;
        while (cap < w->n_rows + n) cap *= 2;
        MetricRow *r = realloc(w->rows, (size_t)cap * sizeof *r);
        if (!r) return -1;
        w->rows = r;
        w->cap_rows = cap;
    }
    memcpy(w->rows + w->n_rows, rows, (size_t)n * sizeof *rows);
    w->n_rows += n;
    return 0;
}

/* Parses complete records in the inbox; returns 1 when the run's summary
 * arrived (copied to *sum), 0 otherwise, -1 on a malformed stream. */
static int parse_inbox(Worker *w, RunSummary *sum)
{
    size_t off = 0;
    int finished = 0;
    while (w->in_len - off >= sizeof(RecordHeader)) {
        RecordHeader h;
        memcpy(&h, w->inbox + off, sizeof h);
        size_t need = h.type == REC_ROW    ? (size_t)h.count * sizeof(MetricRow)
                      : h.type == REC_WAIT ? 0
                                           : sizeof(RunSummary);
        if ((h.type != REC_ROW && h.type != REC_SUMMARY && h.type != REC_WAIT) || h.count < 1 ||
            h.count > WORKER_ROW_BUFFER)
            return -1;
        if (w->in_len - off - sizeof h < need) break;
        const char *payload = w->inbox + off + sizeof h;
        if (h.type == REC_ROW) {
            if (append_rows(w, (const MetricRow *)(const void *)payload, h.count)) return -1;
        } else if (h.type == REC_WAIT) {
            w->waiting = 1; /* nothing more comes before the parent answers */
        } else {
            memcpy(sum, payload, sizeof *sum);
            finished = 1;
        }
        off += sizeof h + need;
        if (finished) break;
    }
    if (off) { /* an inbox that never received anything is NULL */
        memmove(w->inbox, w->inbox + off, w->in_len - off);
        w->in_len -= off;
    }
    return finished;
}

/* Reads what a worker sent; returns 1 when its run finished, 0 when more is
 * to come, -1 at end of input (the worker died). */
static int drain(Worker *w, RunSummary *sum)
{
    if (w->in_cap - w->in_len < 65536) {
        size_t cap = w->in_cap ? 2 * w->in_cap : 131072;
        char *p = realloc(w->inbox, cap);
        if (!p) return -1;
        w->inbox = p;
        w->in_cap = cap;
    }
    ssize_t r = read(w->result_fd, w->inbox + w->in_len, w->in_cap - w->in_len);
    if (r < 0 && errno == EINTR) return 0;
    if (r <= 0) return -1;
    w->in_len += (size_t)r;
    return parse_inbox(w, sum);
}

/* Runs still to hand out: those taken back from a worker that died before
 * starting them, then the ones never handed out. */
typedef struct {
    long next;                 /* next never-handed-out run */
    long n;                    /* runs in all */
    const long *ready;         /* runs known so far (PoolOptions), NULL: n */
    const unsigned char *skip; /* runs not to hand out, NULL: none */
    long *retry;               /* runs taken back */
    int n_retry;               /* how many */
} Backlog;

/* Whether a run can be handed out now (passing over skipped ones). */
static int backlog_empty(Backlog *b)
{
    const long known = b->ready ? *b->ready : b->n;
    while (b->skip && b->next < known && b->skip[b->next]) b->next++;
    return b->n_retry == 0 && b->next >= known;
}

/* Whether no run is left to hand out, now or later. */
static int backlog_done(Backlog *b) { return backlog_empty(b) && b->next >= b->n; }

static long backlog_take(Backlog *b) { return b->n_retry ? b->retry[--b->n_retry] : b->next++; }

/* The pruning rule's verdict on worker wk's run where it waits at a
 * checkpoint (PRUNE_WAIT while not yet known, and when it does not wait). */
static PruneVerdict answer(Worker *wk, const PoolOptions *opt)
{
    if (!wk->waiting) return PRUNE_WAIT;
    const PruneVerdict v = opt->on_rows(opt->ctx, wk->task, wk->rows, wk->n_rows);
    if (v != PRUNE_WAIT) wk->waiting = 0;
    return v;
}

/* Marks run `task` as started on worker wk. */
static void start(Worker *wk, long task, const PoolOptions *opt)
{
    wk->task = task;
    wk->started = now_seconds();
    wk->n_rows = 0;
    wk->waiting = 0;
    if (opt->on_start) opt->on_start(opt->ctx, task);
}

/* Hands the next run to worker i (starting a process when it has none): it
 * starts at once when the worker is idle, else it waits in the worker's
 * pipe and starts the moment the current run ends. */
static int hand_over(Worker *w, int jobs, int i, const RunConfig *cfgs, Backlog *b, const PoolOptions *opt)
{
    if (!w[i].pid && spawn(&w[i], jobs, w, opt) != 0) {
        perror("optbench: starting a worker");
        return -1;
    }
    long task = backlog_take(b);
    /* a worker that died meanwhile is noticed at the end of its result
     * stream, so a failed write needs no handling here */
    (void)write_all(w[i].task_fd, &cfgs[task], sizeof cfgs[task]);
    if (w[i].task < 0) start(&w[i], task, opt);
    else w[i].queue[(w[i].q_head + w[i].q_len++) % QUEUE_MAX] = task;
    return 0;
}

/* Takes the first run queued behind worker wk's current one. */
static long dequeue(Worker *wk)
{
    const long task = wk->queue[wk->q_head];
    wk->q_head = (wk->q_head + 1) % QUEUE_MAX;
    wk->q_len--;
    return task;
}

/* Gives idle workers a run and, once runs are seen to be short, up to
 * `depth` more to follow it (as many as its pipe holds), so that a worker
 * does not wait for a parent busy storing other runs. Long runs are not
 * queued, so that the last ones spread over all workers. */
static int feed(Worker *w, int jobs, const RunConfig *cfgs, Backlog *b, const PoolOptions *opt, int depth)
{
    for (int i = 0; i < jobs && !backlog_empty(b); i++)
        if (w[i].task < 0 && hand_over(w, jobs, i, cfgs, b, opt)) return -1;
    for (int i = 0; i < jobs && !backlog_empty(b); i++)
        while (w[i].task >= 0 && w[i].q_len < depth && w[i].q_len < w[i].q_room && !backlog_empty(b))
            if (hand_over(w, jobs, i, cfgs, b, opt)) return -1;
    return 0;
}

int pool_run(const RunConfig *cfgs, long n, const PoolOptions *opt)
{
    const int jobs = opt->jobs < 1 ? 1 : opt->jobs > n ? (int)(n > 0 ? n : 1) : opt->jobs;
    Worker *w = calloc((size_t)jobs, sizeof *w);
    struct pollfd *pfd = calloc((size_t)jobs, sizeof *pfd);
    Backlog backlog = {.n = n, .ready = opt->ready, .skip = opt->skip,
                       .retry = calloc((size_t)jobs * QUEUE_MAX, sizeof(long))};
    int rc = -1;
    long ended = 0;          /* runs that ended, for the mean run time */
    int moved = 0;           /* the last pass read records, answered a worker or ended a run */
    double ended_wall = 0;   /* their wall seconds */
    RunSummary sum;
    struct rusage ru;
    char why[256];
    MetricRow *spare = NULL; /* rows of the run being stored, swapped with a worker's */
    long spare_cap = 0;
    if (!w || !pfd || !backlog.retry) goto cleanup;
    signal(SIGPIPE, SIG_IGN);
    for (int i = 0; i < jobs; i++) w[i].task = -1;
    for (;;) {
        if (opt->stop && *opt->stop) {
            rc = 1;
            break;
        }
        /* under pruning a worker's pipe carries answers, so runs are not queued behind one another */
        const double mean_wall = ended ? ended_wall / (double)ended : INFINITY;
        const int depth = opt->prune || ended < jobs || mean_wall >= QUEUE_BELOW_SECONDS ? 0
                          : (int)fmin(QUEUE_MAX, 1 + QUEUE_SECONDS / fmax(mean_wall, 1e-6));
        if (feed(w, jobs, cfgs, &backlog, opt, depth)) goto cleanup;
        int busy = 0, timeout_ms = 200, waits = 0;
        for (int i = 0; i < jobs; i++) {
            busy |= w[i].task >= 0;
            waits |= w[i].task >= 0 && w[i].waiting;
            pfd[i].fd = w[i].task >= 0 ? w[i].result_fd : -1;
            pfd[i].events = POLLIN;
            if (w[i].task >= 0 && opt->timeout_s > 0) {
                double left = w[i].started + opt->timeout_s - now_seconds();
                int ms = left <= 0 ? 0 : (int)fmin(left * 1000 + 1, 200);
                if (ms < timeout_ms) timeout_ms = ms;
            }
        }
        if (!busy && backlog_done(&backlog)) {
            rc = 0;
            break;
        }
        /* a run that waits for an earlier one is asked again at once after
         * anything changed, not at the next event */
        if (waits && moved) timeout_ms = 0;
        const double idle = opt->on_idle ? opt->on_idle(opt->ctx) : -1;
        if (idle >= 0 && idle * 1000 < timeout_ms) timeout_ms = (int)ceil(idle * 1000);
        moved = 0;
        if (poll(pfd, (nfds_t)jobs, timeout_ms) < 0 && errno != EINTR) {
            perror("optbench: poll");
            goto cleanup;
        }
        for (int i = 0; i < jobs; i++) {
            int state = 0;
            PruneVerdict verdict;
            if (w[i].task >= 0 && (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))) {
                state = drain(&w[i], &sum);
                moved = 1;
            }
            /* one read may bring the ends of several short runs */
            while (w[i].task >= 0) {
                const RunConfig *cfg = &cfgs[w[i].task];
                if (state == 1) {
                    /* the run's own summary, wall time as measured in the worker */
                } else if (state < 0) {
                    describe_exit(reap(&w[i], 0, &ru), why, sizeof why);
                    lost_summary(cfg, &w[i], RUN_FAILED, why, &ru, &sum);
                } else if ((verdict = answer(&w[i], opt)) == PRUNE_STOP) {
                    /* pruned: the worker is stopped where it waits, a fresh one takes the next run */
                    reap(&w[i], 1, &ru);
                    lost_summary(cfg, &w[i], RUN_PRUNED, "pruned", &ru, &sum);
                } else if (verdict == PRUNE_GO) {
                    (void)write_all(w[i].task_fd, "c", 1); /* go on; a worker that died is noticed by its stream */
                    moved = 1;
                    break;
                } else if (opt->timeout_s > 0 && now_seconds() - w[i].started > opt->timeout_s) {
                    reap(&w[i], 1, &ru);
                    snprintf(why, sizeof why, "exceeded timeout_s = %g", opt->timeout_s);
                    lost_summary(cfg, &w[i], RUN_TIMEOUT, why, &ru, &sum);
                } else {
                    break;
                }
                /* keep the rows, let the worker go on with its next run, then store this one */
                const long task = w[i].task;
                const long n_rows = w[i].n_rows;
                MetricRow *rows = w[i].rows;
                const long cap = w[i].cap_rows;
                w[i].rows = spare;
                w[i].cap_rows = spare_cap;
                spare = rows;
                spare_cap = cap;
                w[i].task = -1;
                if (w[i].q_len && w[i].pid) start(&w[i], dequeue(&w[i]), opt);
                while (!w[i].pid && w[i].q_len) backlog.retry[backlog.n_retry++] = dequeue(&w[i]); /* never started */
                ended++;
                ended_wall += sum.wall_seconds;
                moved = 1;
                if (!(opt->stop && *opt->stop) && feed(w, jobs, cfgs, &backlog, opt, depth)) goto cleanup;
                opt->on_finish(opt->ctx, task, &sum, spare, n_rows);
                state = w[i].task >= 0 ? parse_inbox(&w[i], &sum) : 0;
            }
        }
    }
cleanup:
    for (int i = 0; w && i < jobs; i++) {
        if (w[i].pid) reap(&w[i], w[i].task >= 0, &ru);
        free(w[i].inbox);
        free(w[i].rows);
    }
    free(spare);
    free(w);
    free(pfd);
    free(backlog.retry);
    return rc;
}
