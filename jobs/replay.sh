#!/usr/bin/env bash
# Countinghouse replay: a root of day folders through the nightly `run`, day by day, each as it
# was learned (the files of day D known the next morning), closing the months asked for on the way.
#
#   jobs/replay.sh --inbox DIR --outbox DIR [--close YYYY-MM]… ROOT
#
# ROOT holds folders named YYYY-MM-DD (sample-data/ is one). For each, in date order, its files
# are copied into the inbox and `countinghouse run --date D` runs with the clock at D+1 06:00 UTC
# (COUNTINGHOUSE_NOW); after the last day of a month named with --close, jobs/close-month.sh
# closes it at 12:00 UTC that morning and writes its report to OUTBOX/closed/YYYY-MM/. That is how
# `make demo` rebuilds two months of history exactly as the nightly job would have.
#
# Environment: COUNTINGHOUSE_DATABASE, COUNTINGHOUSE_CONFIG as for every command; COUNTINGHOUSE_BIN
# the executable (default: `countinghouse` on PATH).
#
# Exit status: 0 every day ran (each run's summary says what needs a person); 2 the job could
# not start (usage, missing executable or root); otherwise the status of the first day or close
# that failed (75 another run holds the ledger, 69 unreachable, …), after which nothing more runs.
set -euo pipefail

program=$(basename "$0")
help_text() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
usage() {
    help_text >&2
    exit 2
}

inbox=""
outbox=""
root=""
closes=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --inbox) [[ $# -ge 2 ]] || usage; inbox=$2; shift 2 ;;
        --outbox) [[ $# -ge 2 ]] || usage; outbox=$2; shift 2 ;;
        --close) [[ $# -ge 2 ]] || usage; closes+=("$2"); shift 2 ;;
        -h | --help) help_text; exit 0 ;;
        -*) echo "$program: unknown option $1" >&2; usage ;;
        *) [[ -z $root ]] || usage; root=$1; shift ;;
    esac
done
[[ -n $inbox && -n $outbox && -n $root ]] || usage
bin=${COUNTINGHOUSE_BIN:-countinghouse}
command -v "$bin" >/dev/null 2>&1 || { echo "$program: error: cannot run '$bin' (set COUNTINGHOUSE_BIN)" >&2; exit 2; }
[[ -d $root ]] || { echo "$program: error: '$root' is not a directory" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$inbox"

while IFS= read -r -d '' folder; do
    day=$(basename "$folder")
    next=$(date -u -d "$day + 1 day" +%F)
    find "$folder" -mindepth 1 -maxdepth 1 -type f -exec cp {} "$inbox"/ \;
    status=0
    COUNTINGHOUSE_NOW="${next}T06:00:00Z" "$bin" run --inbox "$inbox" --outbox "$outbox" --date "$day" || status=$?
    [[ $status -eq 0 ]] || { echo "$program: the run for $day failed (exit $status)" >&2; exit "$status"; }
    if [[ ${next:8:2} == 01 ]]; then
        month=${day:0:7}
        for close in ${closes[@]+"${closes[@]}"}; do
            if [[ $close == "$month" ]]; then
                COUNTINGHOUSE_NOW="${next}T12:00:00Z" "$here/close-month.sh" --period "$month" --outbox "$outbox/closed" \
                    || { status=$?; echo "$program: the close of $month failed (exit $status)" >&2; exit "$status"; }
            fi
        done
    fi
done < <(find "$root" -mindepth 1 -maxdepth 1 -type d -name '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' -print0 | sort -z)
