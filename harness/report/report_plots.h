/* report_plots.h — gnuplot templates (the .gp files of plots/, embedded in the binary)
 * filled in and rendered for a report. A filled .gp file and its .dat file
 * are left in the report folder so that a user can restyle a plot and
 * render it again with gnuplot. */
#ifndef OPTBENCH_REPORT_PLOTS_H
#define OPTBENCH_REPORT_PLOTS_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
    const char *name; /* file name under plots/ */
    const char *text; /* its contents */
} PlotTemplate;

/* Every template; the list ends with {0, 0}. */
extern const PlotTemplate plot_templates[];

/* 1 when a gnuplot executable is on PATH. */
int plot_have_gnuplot(void);

/* Writes common.gp into dir. Returns 0 or -1 with a message. */
int plot_begin(const char *dir, char *err, size_t errlen);

/* Fills template `name` with the pairs subs[0..n) ("KEY", "value" replace
 * @KEY@), writes dir/base.gp (whose output is base.svg / base.png) and runs
 * gnuplot for both formats; @OUT@ becomes base. Text from the database
 * never becomes gnuplot code: a placeholder written '@KEY@' in a template
 * is a single-quoted gnuplot string, in which gnuplot substitutes neither
 * backquotes nor macros nor escapes; its value has every ' doubled and
 * every control character made a blank. A bare @KEY@ (a count, a column,
 * "set logscale y") is refused unless its value holds only letters,
 * digits, blanks and . + - _. Returns 0 or -1 with a message. */
int plot_render(const char *dir, const char *name, const char *base, const char *const (*subs)[2], int n,
                char *err, size_t errlen);

/* Writes s to a gnuplot data file as one double-quoted field: a " inside
 * becomes ' and a control character a blank, so that the field can end
 * neither early nor the line. */
void plot_data_string(FILE *f, const char *s);

#endif
