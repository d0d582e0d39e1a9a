/* plugin_builds.c — adding one plugin build to the list a sweep records
 * (sweeps.plugins): `optbench run` files its runs under a sweep that
 * collects runs of any optimizer, so it adds the build of its optimizer's
 * plugin beside the others, where a sweep file replaces the whole list
 * (store_set_sweep_plugins). */
#include <stdio.h>

#include "harness/store/store.h"

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
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 1, sweep_id);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 2, plugin->optimizer->name, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 3, plugin->path, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 4, plugin->sha256, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) snprintf(err, errlen, "recording the sweep's plugins: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}
