#!/bin/sh
# help_cli.sh — every command's flags, help and flag errors come from one
# table (harness/cmd/cli.h): for each command of `optbench --help`, --help
# and -h print its usage; an unknown flag, an ambiguous abbreviation, a flag
# given without its value and a value given to a flag that takes none each
# exit 2 with one message naming the flag, followed by the usage; every
# flag --help lists is one the parser takes, with the value --help says;
# and --plugin is taken (by main.c) exactly where --help lists it.
set -eu
: "${OPTBENCH:?set OPTBENCH to the optbench binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# refused WANT ARGS...: exit 2, WANT on stderr's first line, the usage on its second
refused() {
    want=$1
    shift
    set +e
    "$OPTBENCH" "$@" >"$tmp/out" 2>"$tmp/err"
    code=$?
    set -e
    [ "$code" = 2 ] || fail "$* exited $code: $(cat "$tmp/err")"
    [ "$(head -n 1 "$tmp/err")" = "$want" ] || fail "$*: '$(head -n 1 "$tmp/err")', not '$want'"
    sed -n 2p "$tmp/err" | grep -q "^usage: optbench $1" || fail "$*: no usage after the message"
}

commands=$("$OPTBENCH" --help | sed -n 's/^  \([a-z]*\)  .*/\1/p')
[ "$(printf '%s\n' "$commands" | wc -l)" -ge 19 ] || fail "the command list: $commands"
for c in $commands; do
    "$OPTBENCH" "$c" --help >"$tmp/help" || fail "$c --help exited $?"
    head -n 1 "$tmp/help" | grep -q "^usage: optbench $c" || fail "$c --help: $(head -n 1 "$tmp/help")"
    "$OPTBENCH" "$c" -h | cmp -s - "$tmp/help" || fail "$c -h differs from $c --help"
    refused "optbench: $c: unknown option '--no-such-flag'" "$c" --no-such-flag
    # each flag line: "  --name ARG  help" or "  --name  help" (or the label alone on its line)
    sed -n 's/^  --\([a-z0-9-]*\)\( [^ ]*\)\{0,1\}\(  .*\)\{0,1\}$/\1\2/p' "$tmp/help" >"$tmp/flags"
    [ -s "$tmp/flags" ] || [ "$c" = check ] || [ "$c" = merge ] || fail "$c --help lists no flag"
    while read -r name arg; do
        if [ "$name" = plugin ]; then # main.c loads the plugins of a command whose table has --plugin
            set +e
            "$OPTBENCH" "$c" --plugin >/dev/null 2>"$tmp/err"
            code=$?
            set -e
            [ "$code" = 2 ] && grep -q "^optbench: --plugin: expected the path" "$tmp/err" ||
                fail "$c --plugin (no path): exit $code, $(cat "$tmp/err")"
            # main.c takes the whole word only: a shortening is refused, never read as another flag
            refused "optbench: $c: --plugin is read before the other flags: write it in full" "$c" --plug x.so
            continue
        fi
        if [ -n "$arg" ]; then
            refused "optbench: $c: --$name: expected $arg" "$c" "--$name"
        else
            refused "optbench: $c: --$name takes no value" "$c" "--$name=1"
        fi
    done <"$tmp/flags"
done

# a required flag is named when missing; an abbreviation of two flags is refused
refused "optbench: rm: --sweep NAME is required" rm
refused "optbench: export: --sweep NAME is required" export --metrics
refused "optbench: report: --out DIR is required" report --sweep s
refused "optbench: slurm: --array N is required" slurm f.yaml --out-dir d
refused "optbench: sweep: ambiguous option '--d': --device, --db, --dry-run" sweep --d x.yaml
refused "optbench: rename: unknown option '--sweep'" rename --sweep s a b
refused "optbench: list: unknown option '--plugin'" list --plugin x.so sweeps
# a unique abbreviation is taken, and run's setting flags come from the settings table
"$OPTBENCH" run --help | grep -q -- "^  --log-every K  *metrics row every K steps" || fail "run --help: --log-every"
"$OPTBENCH" run --st 3 --db "$tmp/r.db" --quiet || fail "run --st 3 (--steps) exited $?"
[ "$(sqlite3 "$tmp/r.db" 'select steps from runs')" = 3 ] || fail "--st did not set --steps"
echo "help_cli: ok"
