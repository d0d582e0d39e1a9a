/* plugin.h — optimizers from shared objects (the public interface is
 * include/optbench/plugin.h): loading one, checking its descriptor, and
 * adding it to the registry as an OptimizerDef whose tensor-aware step
 * calls the plugin's.
 *
 * Loading runs only the plugin's entry function and checks the tables it
 * returns; the plugin's other functions run where the optimizer is used
 * (the workers of run and sweep, the child process of verify, golden and
 * bench), and its check and state sizes also where a configuration is read.
 * A loaded plugin stays loaded until the process ends.
 */
#ifndef OPTBENCH_OPTIMIZERS_PLUGIN_H
#define OPTBENCH_OPTIMIZERS_PLUGIN_H

#include <stddef.h>

#include "harness/core/sha256.h"
#include "optimizers/optimizer.h"

#define PLUGIN_PATH_MAX 1024 /* longest absolute path of a plugin */

/* One loaded plugin. */
typedef struct {
    char path[PLUGIN_PATH_MAX];       /* absolute path, links resolved */
    char sha256[SHA256_HEX_LEN + 1];  /* digest of the file as loaded */
    const OptimizerDef *optimizer;    /* what it added to the registry */
} PluginInfo;

/* Loads the plugin at path (relative paths are taken from the working
 * folder) and adds its optimizer to the registry. Loading the same file
 * again does nothing. 0, or -1 with "PATH: reason" in err: not loadable, no
 * entry symbol, another ABI version, an invalid descriptor, or a name that
 * is taken. */
int plugin_load(const char *path, char *err, size_t errlen);

/* Plugins loaded so far, and plugin i of them in load order. */
int plugin_count(void);
const PluginInfo *plugin_at(int i);

/* The plugin that added optimizer opt; NULL for a built-in. */
const PluginInfo *plugin_of(const OptimizerDef *opt);

/* The plugin whose absolute path is path; NULL when none is loaded from it. */
const PluginInfo *plugin_find_path(const char *path);

#endif
