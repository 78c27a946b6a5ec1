#!/usr/bin/env bash
# Countinghouse month-end close: posts last month's journal, trial balance and valuation as known
# now, then writes its report folder and runs verify.
#
#   jobs/close-month.sh [--period YYYY-MM] [--outbox DIR]
#
# Without --period it closes the month before the current one (by the clock, or COUNTINGHOUSE_NOW
# when set). Periods close in order: if an earlier month is still open, countinghouse refuses and
# names it. `countinghouse close --outbox` writes the closed month's report folder to DIR/YYYY-MM/
# (default ./reports; --reports is the same option): the posted figures, byte for byte whenever
# the period's report is rerun, with report.xlsx and run.json.
#
# Environment: COUNTINGHOUSE_DATABASE, COUNTINGHOUSE_CONFIG, COUNTINGHOUSE_NOW as for every command;
# COUNTINGHOUSE_BIN the executable (default: `countinghouse` on PATH). On PostgreSQL, the writer role
# of `countinghouse init --roles` (a close only appends posted rows), not the owner.
#
# Run again for a month already closed, it writes that month's posted report again and verifies
# (a rerun after a failed report or verify finishes the job).
#
# Exit status: 0 closed (or already closed) and verified; 1 the close was refused or verify found
# a broken invariant (the message says which); 2 the job could not run (usage, missing
# executable); otherwise countinghouse's own status (69 unreachable, 73 cannot write the reports,
# 75 busy: retry later, 77 read-only, 78 configuration: see `countinghouse --help`).
set -euo pipefail

program=$(basename "$0")
fail() {
    echo "$program: error: $*" >&2
    exit 2
}
note() { echo "$program: $*" >&2; }
# The comment above, as the help text: on standard output for --help (exit 0), on standard error
# for a usage mistake (exit 2).
help_text() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
usage() {
    help_text >&2
    exit 2
}

period=""
reports=reports
while [[ $# -gt 0 ]]; do
    case $1 in
        --period) [[ $# -ge 2 ]] || usage; period=$2; shift 2 ;;
        --outbox | --reports) [[ $# -ge 2 ]] || usage; reports=$2; shift 2 ;;
        -h | --help) help_text; exit 0 ;;
        *) echo "$program: unknown argument $1" >&2; usage ;;
    esac
done

bin=${COUNTINGHOUSE_BIN:-countinghouse}
command -v "$bin" >/dev/null 2>&1 || fail "cannot run '$bin' (build it with 'make build', or set COUNTINGHOUSE_BIN)"
if [[ -z $period ]]; then
    today=$(date -u -d "${COUNTINGHOUSE_NOW:-now}" +%Y-%m-01) || fail "cannot read the clock"
    period=$(date -u -d "$today - 1 month" +%Y-%m)
fi

# Each step's own exit status goes to the scheduler: 1 refused, 75 the ledger busy (retry), 69
# unreachable, 73 the report folder cannot be written, 77 read-only, 78 configuration.
# A period already closed (a rerun after the report or verify failed, or a second start of the
# timer) is not an error: its posted report is written again, byte for byte, and verified.
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
status=0
"$bin" close --period "$period" --outbox "$reports" 2>"$errors" || status=$?
if [[ $status -eq 1 ]] && grep -q "^error: $period is already closed" "$errors"; then
    note "$period is already closed: writing its posted report again and verifying"
    "$bin" report --period "$period" --out "$reports/$period"
else
    cat "$errors" >&2
    [[ $status -eq 0 ]] || exit "$status"
fi
"$bin" verify
