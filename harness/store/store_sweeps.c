/* store_sweeps.c — a sweep as a whole: its stored spec (checked on resume,
 * replaced by --force), the plugin builds it records, removing a sweep with
 * its runs and metrics, and renaming one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/store/store.h"

int store_sweep_spec(sqlite3 *db, const char *name, char **spec)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT spec FROM sweeps WHERE name = ?", -1, &st, NULL);
    *spec = NULL;
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(st, 0);
        *spec = strdup(text ? text : "");
        if (!*spec) rc = SQLITE_NOMEM;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int store_set_sweep_spec(sqlite3 *db, int64_t sweep_id, const char *spec, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "UPDATE sweeps SET spec = ? WHERE id = ?", -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 1, spec, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 2, sweep_id);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) snprintf(err, errlen, "recording the sweep's spec: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Runs one statement with an id bound to ?1; SQLITE_DONE or an error code. */
static int exec_with_id(sqlite3 *db, const char *sql, int64_t id)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 1, id);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc;
}

/* Binds ?1 the sweep, ?2 the optimizer, ?3 the path and ?4 the SHA-256 of
 * a plugin build, and steps st: SQLITE_DONE when it ran. */
static int step_plugin(sqlite3_stmt *st, int64_t sweep_id, const PluginInfo *plugin)
{
    int rc = sqlite3_bind_int64(st, 1, sweep_id);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 2, plugin->optimizer->name, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 3, plugin->path, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 4, plugin->sha256, -1, SQLITE_STATIC);
    return rc == SQLITE_OK ? sqlite3_step(st) : rc;
}

int store_set_sweep_plugins(sqlite3 *db, int64_t sweep_id, const PluginInfo *const *plugins, int n, char *err,
                            size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (store_begin(db, err, errlen)) return -1;
    int rc = exec_with_id(db, "UPDATE sweeps SET plugins = NULL WHERE id = ?1", sweep_id);
    if (rc == SQLITE_DONE)
        rc = sqlite3_prepare_v2(db,
                                "UPDATE sweeps SET plugins = json_insert(coalesce(plugins, '[]'), '$[#]', "
                                "json_object('optimizer', ?2, 'path', ?3, 'sha256', ?4)) WHERE id = ?1",
                                -1, &st, NULL) == SQLITE_OK ? SQLITE_DONE : SQLITE_ERROR;
    for (int i = 0; i < n && rc == SQLITE_DONE; i++) {
        rc = step_plugin(st, sweep_id, plugins[i]);
        sqlite3_reset(st);
    }
    if (rc != SQLITE_DONE) snprintf(err, errlen, "recording the sweep's plugins: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) store_rollback(db);
    else if (store_commit(db, err, errlen)) return -1;
    return rc == SQLITE_DONE ? 0 : -1;
}

/* `optbench run` files its runs under a sweep that collects runs of any
 * optimizer, so it adds the build of its optimizer's plugin beside the
 * others, where a sweep file replaces the whole list (above). */
int store_add_sweep_plugin(sqlite3 *db, int64_t sweep_id, const PluginInfo *plugin, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    /* the entries of other optimizers, then this one's */
    int rc = sqlite3_prepare_v2(db,
                                "UPDATE sweeps SET plugins = json_insert("
                                "(SELECT json_group_array(json(p.value)) FROM json_each(sweeps.plugins) p "
                                "WHERE json_extract(p.value, '$.optimizer') IS NOT ?2), '$[#]', "
                                "json_object('optimizer', ?2, 'path', ?3, 'sha256', ?4)) WHERE id = ?1",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) rc = step_plugin(st, sweep_id, plugin);
    if (rc != SQLITE_DONE) snprintf(err, errlen, "recording the sweep's plugins: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_sweep_plugin(sqlite3 *db, const char *name, const char *optimizer, char *path, size_t pathlen,
                       char sha256[SHA256_HEX_LEN + 1])
{
    sqlite3_stmt *st = NULL;
    int found = 0;
    /* a database before sweeps.plugins fails to prepare: nothing recorded */
    if (sqlite3_prepare_v2(db,
                           "SELECT json_extract(p.value, '$.path'), json_extract(p.value, '$.sha256') "
                           "FROM sweeps s, json_each(s.plugins) p "
                           "WHERE s.name = ?1 AND json_extract(p.value, '$.optimizer') = ?2",
                           -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return 0;
    }
    int rc = sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 2, optimizer, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *p = (const char *)sqlite3_column_text(st, 0), *h = (const char *)sqlite3_column_text(st, 1);
        snprintf(path, pathlen, "%s", p ? p : "");
        snprintf(sha256, SHA256_HEX_LEN + 1, "%s", h ? h : "");
        found = 1;
    } else if (rc != SQLITE_DONE) {
        found = -1;
    }
    sqlite3_finalize(st);
    return found;
}

int store_remove_sweep(sqlite3 *db, const char *name, long *n_runs, char *err, size_t errlen)
{
    int64_t id;
    int found = store_find_sweep(db, name, &id), rc = SQLITE_ERROR;
    *n_runs = 0;
    if (found == 1) {
        snprintf(err, errlen, "no sweep named '%s'", name);
        return 1;
    }
    if (found != 0 || store_begin(db, err, errlen)) goto cleanup;
    rc = exec_with_id(db, "DELETE FROM metrics WHERE run_id IN (SELECT id FROM runs WHERE sweep_id = ?1)", id);
    if (rc == SQLITE_DONE) rc = exec_with_id(db, "DELETE FROM runs WHERE sweep_id = ?1", id);
    if (rc == SQLITE_DONE) *n_runs = (long)sqlite3_changes(db);
    if (rc == SQLITE_DONE) rc = exec_with_id(db, "DELETE FROM sweeps WHERE id = ?1", id);
    if (rc != SQLITE_DONE) store_rollback(db);
    else if (store_commit(db, err, errlen)) return -1;
cleanup:
    if (rc != SQLITE_DONE) snprintf(err, errlen, "removing sweep '%s': %s", name, sqlite3_errmsg(db));
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_rename_sweep(sqlite3 *db, const char *old_name, const char *new_name, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int64_t id, other;
    int found = store_find_sweep(db, old_name, &id), taken = found == 0 ? store_find_sweep(db, new_name, &other) : 1;
    int rc = SQLITE_ERROR;
    if (found == 1) {
        snprintf(err, errlen, "no sweep named '%s'", old_name);
        return 1;
    }
    if (taken == 0) {
        snprintf(err, errlen, "a sweep named '%s' exists already", new_name);
        return 1;
    }
    if (found == 0 && taken == 1) rc = sqlite3_prepare_v2(db, "UPDATE sweeps SET name = ? WHERE id = ?", -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 1, new_name, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 2, id);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) snprintf(err, errlen, "renaming sweep '%s': %s", old_name, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}
