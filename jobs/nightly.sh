#!/usr/bin/env bash
# Countinghouse nightly job: ingest one delivery day's files, then print what the ledger holds.
#
#   jobs/nightly.sh [--database DB] [--clock] INBOX
#
# INBOX is either one day folder (named YYYY-MM-DD: the business day whose files it holds) or a
# root of such folders, processed in date order (a replay of history, as `make demo` does with
# sample-data/). Files in a day folder are ingested in one run of `countinghouse ingest`, kinds in
# the order catalogue, purchases, transfers, counts, POS lines, POS tenders, settlements, then any
# other CSV file (vendor exports, detected by header) by name. A CSV file is one whose name ends in
# .csv in any case (`POS_LINES.CSV` is the POS lines); every other entry of a day folder (and of a
# root, beside its day folders) is skipped and named on standard error, never silently.
#
# Knowledge time: a folder YYYY-MM-DD is delivered the next morning, so its rows are recorded at
# (YYYY-MM-DD + 1 day)T06:00:00Z (change the time of day with NIGHTLY_DELIVERY_TIME=HH:MM:SSZ).
# Replaying a root therefore rebuilds two months of history exactly as it was learned. With
# --clock, or for a folder whose name is not a date, the ingest uses the clock instead
# (COUNTINGHOUSE_NOW when set): that is what a production inbox wants.
#
# Environment: COUNTINGHOUSE_DATABASE (or --database) names the ledger; COUNTINGHOUSE_BIN the
# executable (default: `countinghouse` on PATH); COUNTINGHOUSE_NOW and COUNTINGHOUSE_CONFIG are
# passed through to it.
#
# Exit status: 0 when every file landed or was a known duplicate; 1 when any file was rejected or a
# day folder held no CSV file ("no files delivered for 2026-10-05": an empty delivery is a failure
# someone must look at, not a quiet success; the other files and days still land, and every
# failed day is listed at the end); 2 when the job could not run at all (usage, missing executable
# or inbox); countinghouse's own status when the ledger cannot be used (69 missing or unreachable,
# 75 busy, 77 read-only, 78 configuration: see `countinghouse --help`), before later days.
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

use_clock=false
inbox=""
while [[ $# -gt 0 ]]; do
    case $1 in
        --database) [[ $# -ge 2 ]] || usage; export COUNTINGHOUSE_DATABASE=$2; shift 2 ;;
        --database=*) export COUNTINGHOUSE_DATABASE=${1#--database=}; shift ;;
        --clock) use_clock=true; shift ;;
        -h | --help) help_text; exit 0 ;;
        -*) echo "$program: unknown option $1" >&2; usage ;;
        *) [[ -z $inbox ]] || usage; inbox=$1; shift ;;
    esac
done
[[ -n $inbox ]] || usage

bin=${COUNTINGHOUSE_BIN:-countinghouse}
command -v "$bin" >/dev/null 2>&1 || fail "cannot run '$bin' (build it with 'make build', or set COUNTINGHOUSE_BIN)"
[[ -n ${COUNTINGHOUSE_DATABASE:-} ]] || fail "no ledger: set COUNTINGHOUSE_DATABASE or pass --database"
[[ -d $inbox ]] || fail "inbox '$inbox' is not a directory"
delivery_time=${NIGHTLY_DELIVERY_TIME:-06:00:00Z}
[[ $delivery_time =~ ^[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z$ ]] || fail "NIGHTLY_DELIVERY_TIME must look like 06:00:00Z"

is_day() { [[ $(basename "$1") =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]]; }

# The day folders to process, in date order (names sort as dates); a symbolic link to a folder is
# a folder.
days=()
if is_day "$inbox"; then
    days=("${inbox%/}")
else
    while IFS= read -r -d '' folder; do days+=("$folder"); done \
        < <(find "$inbox" -mindepth 1 -maxdepth 1 -xtype d -name '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' -print0 | sort -z)
    if [[ ${#days[@]} -eq 0 ]]; then
        # A plain inbox of files, not named by date: one delivery, recorded by the clock.
        days=("${inbox%/}")
    else
        # Beside the day folders, nothing is read: say so for each entry.
        while IFS= read -r -d '' entry; do
            is_day "$entry" && [[ -d $entry ]] && continue
            note "skipped $entry: not a day folder (YYYY-MM-DD)"
        done < <(find "$inbox" -mindepth 1 -maxdepth 1 -print0 | sort -z)
    fi
fi

# The ledger must exist (`countinghouse init` creates it once): a mistyped COUNTINGHOUSE_DATABASE
# stops the job here, with countinghouse's own exit status (69), instead of filling a new ledger.
"$bin" files >/dev/null || {
    status=$?
    note "error: cannot use the ledger '$COUNTINGHOUSE_DATABASE' (exit $status; see the message above)"
    exit "$status"
}

kind_order=(items purchases transfers counts pos_lines pos_tenders settlements)
# Whether a file name (any case) is one of the known kinds' names, exactly.
is_known_kind() {
    local name=${1,,} kind
    for kind in "${kind_order[@]}"; do [[ $name == "$kind.csv" ]] && return 0; done
    return 1
}
rejected_days=()
empty_days=()
for day in "${days[@]}"; do
    # The day's CSV files (.csv in any case); every other entry is named and skipped.
    csvs=()
    while IFS= read -r -d '' entry; do
        name=$(basename "$entry")
        if [[ ${name,,} == *.csv && -f $entry ]]; then
            csvs+=("$entry")
        elif [[ -d $entry ]]; then
            note "$day: skipped $name/: a folder (only the day folder's own CSV files are read)"
        elif [[ ${name,,} == *.csv ]]; then
            note "$day: skipped $name: not a regular file"
        else
            note "$day: skipped $name: not a CSV file (its name does not end in .csv)"
        fi
    done < <(find -H "$day" -mindepth 1 -maxdepth 1 -print0 | sort -z)
    # Known kinds first, in their order, then the others by name.
    files=()
    for kind in "${kind_order[@]}"; do
        for file in "${csvs[@]}"; do
            name=$(basename "$file")
            [[ ${name,,} == "$kind.csv" ]] && files+=("$file")
        done
    done
    for file in "${csvs[@]}"; do
        is_known_kind "$(basename "$file")" || files+=("$file")
    done
    if [[ ${#files[@]} -eq 0 ]]; then
        if is_day "$day"; then
            note "no files delivered for $(basename "$day")"
            empty_days+=("$(basename "$day")")
        else
            note "no files delivered in $day"
            empty_days+=("$day")
        fi
        continue
    fi

    recorded=()
    if ! $use_clock && is_day "$day"; then
        next=$(date -u -d "$(basename "$day") + 1 day" +%F) || fail "cannot compute the day after $(basename "$day")"
        recorded=(--recorded-at "${next}T${delivery_time}")
    fi
    note "$day: ingesting ${#files[@]} files${recorded:+ recorded at ${recorded[1]}}"
    status=0
    "$bin" ingest "${recorded[@]}" "${files[@]}" || status=$?
    case $status in
        0) ;;
        1) rejected_days+=("$day") ;;
        # The ledger busy (75), unreachable (69), read-only (77), the configuration wrong (78): the
        # job stops with countinghouse's status, so that a scheduler can retry or page someone.
        *)
            note "error: $day: countinghouse ingest failed (exit $status); stopped before later days"
            exit "$status"
            ;;
    esac
done

echo
echo "== Files in the ledger"
"$bin" files
echo
echo "== Stock (on hand, as known now)"
"$bin" stock

if [[ ${#rejected_days[@]} -gt 0 || ${#empty_days[@]} -gt 0 ]]; then
    echo >&2
    if [[ ${#empty_days[@]} -gt 0 ]]; then
        note "FAILED: no files delivered for ${#empty_days[@]} day(s): ${empty_days[*]}"
    fi
    if [[ ${#rejected_days[@]} -gt 0 ]]; then
        note "FAILED: files were rejected on ${#rejected_days[@]} day(s): ${rejected_days[*]}"
        note "nothing of a rejected file entered the ledger; fix the source and deliver a corrected file"
    fi
    exit 1
fi
note "done: ${#days[@]} day(s), every file landed or was already ingested"
