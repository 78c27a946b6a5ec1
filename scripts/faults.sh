#!/usr/bin/env bash
# Countinghouse faults: `kill -9` at pseudo-random moments of `ingest`, `run` and `close`, then a
# clean rerun, compared with an uninterrupted one.
#
#   scripts/faults.sh [--seed N] [--count K] [--store sqlite|postgres] [--command ingest|run|close|all] [--keep]
#
# For each command (default all) and store (default sqlite; postgres starts a throwaway server with
# scripts/pgtest.sh unless COUNTINGHOUSE_TEST_POSTGRES names one), on a workload copied from
# sample-data/:
#   ingest  one `ingest` of the 19 files of 2026-10-01 to 2026-10-04, on an empty ledger;
#   run     `run --date 2026-10-05` with that day's 6 files in the inbox, on the ledger ingest left;
#   close   `close --period 2026-10 --outbox outbox` on that ledger; the rerun is
#           jobs/close-month.sh (which writes the posted report again when the close had happened).
# it first times an uninterrupted reference, then runs K trials (default 6): each starts the same
# command on a copy of the same ledger, kills it with SIGKILL after a delay drawn from the seed
# (default 14) in [0, the reference's duration], and checks:
#   - while it runs (polled) and after the kill: every outbox folder in view is whole — the run's
#     OUTBOX/D holds day/ and period-to-date/, and every report folder holds exactly the files its
#     run.json names, each with its sha256 (dotted temporary folders are not in view);
#   - after the kill: `verify` passes, and the ledger's files are the reference's first files
#     (each file whole or not at all);
#   - after a clean rerun (exit status as the reference's), equal to the reference: `files`, `stock`,
#     `verify`, `cost --period 2026-10` (cogs.csv, valuation.csv), the run records (`runs` and
#     `runs show` without their times: started_at, ended_at and phases_ms; a run killed after its
#     record leaves one more record, for the empty inbox its rerun found, which is allowed), the
#     outbox byte for byte (COUNTINGHOUSE_NOW is fixed: nothing in it differs), the inbox's files;
#     after a `run`, no dotted leftovers in the outbox either.
# The delays come from a linear congruential generator (glibc's constants) seeded with N, so a
# seed names the same delays on every machine; where they fall in the command depends on its speed.
#
# Environment: COUNTINGHOUSE_BIN the executable (default .build/debug/countinghouse, else
# .build/release/countinghouse); FAULTS_WORK a folder to work in (default a temporary one, removed
# unless --keep).
# Exit status: 0 every trial ended equal to the reference; 1 a trial did not (what differed is
# printed, the work folder kept); 2 usage or setup.
set -euo pipefail

program=$(basename "$0")
here=$(cd "$(dirname "$0")/.." && pwd)
help_text() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
usage() {
    help_text >&2
    exit 2
}
fail_setup() {
    echo "$program: error: $*" >&2
    exit 2
}

seed=14
count=6
store=sqlite
command=all
keep=0
arguments=("$@")
while [[ $# -gt 0 ]]; do
    case $1 in
        --seed) [[ $# -ge 2 && $2 =~ ^[0-9]+$ ]] || usage; seed=$2; shift 2 ;;
        --count) [[ $# -ge 2 && $2 =~ ^[0-9]+$ ]] || usage; count=$2; shift 2 ;;
        --store) [[ $# -ge 2 && $2 =~ ^(sqlite|postgres)$ ]] || usage; store=$2; shift 2 ;;
        --command) [[ $# -ge 2 && $2 =~ ^(ingest|run|close|all)$ ]] || usage; command=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        -h | --help) help_text; exit 0 ;;
        *) echo "$program: unknown argument $1" >&2; usage ;;
    esac
done

if [[ $store == postgres && -z ${COUNTINGHOUSE_TEST_POSTGRES:-} ]]; then
    exec "$here/scripts/pgtest.sh" run -- "$0" ${arguments[@]+"${arguments[@]}"}
fi

bin=${COUNTINGHOUSE_BIN:-}
if [[ -z $bin ]]; then
    for candidate in "$here/.build/debug/countinghouse" "$here/.build/release/countinghouse"; do
        if [[ -x $candidate ]]; then bin=$candidate; break; fi
    done
fi
[[ -n $bin && -x $bin ]] || fail_setup "no countinghouse executable (swift build, or set COUNTINGHOUSE_BIN)"
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
samples=$here/sample-data
[[ -d $samples/2026-10-05 ]] || fail_setup "$samples holds no 2026-10-0x day folders"

if [[ -n ${FAULTS_WORK:-} ]]; then
    work=$FAULTS_WORK
    mkdir -p "$work"
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/countinghouse-faults.XXXXXX")
fi
work=$(cd "$work" && pwd)
failed=0
databases=()
cleanup() {
    local status=$?
    for database in ${databases[@]+"${databases[@]}"}; do
        psql -q -d "$COUNTINGHOUSE_TEST_POSTGRES" -c "DROP DATABASE IF EXISTS $database" >/dev/null 2>&1 || true
    done
    if [[ $keep -eq 0 && $failed -eq 0 && -z ${FAULTS_WORK:-} ]]; then rm -rf "$work"; fi
    exit "$status"
}
trap cleanup EXIT

export COUNTINGHOUSE_CONFIG=$here/jobs/countinghouse.toml
# psql: no NOTICE for a database DROP … IF EXISTS does not find.
export PGOPTIONS="-c client_min_messages=warning"
export COUNTINGHOUSE_BIN=$bin
unset COUNTINGHOUSE_BUSY_TIMEOUT COUNTINGHOUSE_FAULT_KILL_AT COUNTINGHOUSE_FAULT_STOP_AT COUNTINGHOUSE_FAULT_KILL_AFTER_ROWS

# The clocks: the files of a day are known the next morning; October closes on November 1.
ingest_now=2026-10-05T06:00:00Z
run_date=2026-10-05
run_now=2026-10-06T06:00:00Z
close_now=2026-11-01T12:00:00Z

# MARK: the seeded generator

random_state=$seed
# The next number in [0, 2^31).
next_random() {
    random_state=$(((random_state * 1103515245 + 12345) % 2147483648))
}

# MARK: ledgers: a folder per ledger (its inbox, outbox, and for SQLite the file)

# The URL of database NAME on the test server.
database_url() {
    local base=${COUNTINGHOUSE_TEST_POSTGRES%%\?*} query=""
    [[ $COUNTINGHOUSE_TEST_POSTGRES == *\?* ]] && query="?${COUNTINGHOUSE_TEST_POSTGRES#*\?}"
    echo "${base%/*}/$1$query"
}

# new_ledger DIR: an empty ledger for DIR (init).
new_ledger() {
    local dir=$1
    mkdir -p "$dir"
    if [[ $store == postgres ]]; then
        local name=faults_$(basename "$(dirname "$dir")")_$(basename "$dir")
        name=${name//[^a-z0-9_]/_}
        psql -q -v ON_ERROR_STOP=1 -d "$COUNTINGHOUSE_TEST_POSTGRES" -c "CREATE DATABASE $name" >/dev/null
        databases+=("$name")
        database_url "$name" >"$dir/.database"
    else
        echo "$dir/ledger.sqlite" >"$dir/.database"
    fi
    in_ledger "$dir" "$bin" init >/dev/null
}

# copy_ledger FROM TO: TO holds what FROM holds (the ledger, the inbox, the outbox).
copy_ledger() {
    local from=$1 to=$2
    rm -rf "$to"
    mkdir -p "$to"
    cp -a "$from/." "$to/"
    if [[ $store == postgres ]]; then
        local source name
        source=$(<"$from/.database")
        source=${source%%\?*}
        source=${source##*/}
        name=faults_$(basename "$(dirname "$to")")_$(basename "$to")
        name=${name//[^a-z0-9_]/_}
        psql -q -v ON_ERROR_STOP=1 -d "$COUNTINGHOUSE_TEST_POSTGRES" \
            -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name TEMPLATE $source" >/dev/null
        databases+=("$name")
        database_url "$name" >"$to/.database"
    else
        echo "$to/ledger.sqlite" >"$to/.database"
    fi
}

# in_ledger DIR CMD…: CMD in DIR, on DIR's ledger.
in_ledger() {
    local dir=$1
    shift
    (cd "$dir" && COUNTINGHOUSE_DATABASE=$(<.database) "$@")
}

# MARK: the workloads

# The files of a day folder in the inbox's order (the catalogue, purchases, transfers, counts, POS
# lines, tenders, settlements, overrides, then the processors' exports by name).
day_files() {
    local day=$1 kind
    for kind in items purchases transfers counts pos_lines pos_tenders settlements overrides; do
        [[ -f $samples/$day/$kind.csv ]] && echo "$kind.csv"
    done
    (cd "$samples/$day" && ls | grep -Ev '^(items|purchases|transfers|counts|pos_lines|pos_tenders|settlements|overrides)\.csv$') || true
}

ingest_days=(2026-10-01 2026-10-02 2026-10-03 2026-10-04)
ingest_paths=()
for day in "${ingest_days[@]}"; do
    while IFS= read -r name; do ingest_paths+=("in/$day/$name"); done < <(day_files "$day")
done

# prepare COMMAND DIR: DIR's inputs for COMMAND (the ledger is already there).
prepare() {
    local command=$1 dir=$2 day
    case $command in
        ingest)
            for day in "${ingest_days[@]}"; do
                mkdir -p "$dir/in/$day"
                cp "$samples/$day"/* "$dir/in/$day/"
            done
            ;;
        run)
            mkdir -p "$dir/inbox"
            cp "$samples/$run_date"/* "$dir/inbox/"
            ;;
        close) ;;
    esac
}

# launch COMMAND DIR: starts COMMAND in DIR in the background (its pid in $launched).
launch() {
    local command=$1 dir=$2
    case $command in
        ingest)
            (cd "$dir" && COUNTINGHOUSE_DATABASE=$(<.database) COUNTINGHOUSE_NOW=$ingest_now \
                exec "$bin" ingest "${ingest_paths[@]}" >command.out 2>command.err) &
            ;;
        run)
            (cd "$dir" && COUNTINGHOUSE_DATABASE=$(<.database) COUNTINGHOUSE_NOW=$run_now \
                exec "$bin" run --inbox inbox --outbox outbox --date "$run_date" >command.out 2>command.err) &
            ;;
        close)
            (cd "$dir" && COUNTINGHOUSE_DATABASE=$(<.database) COUNTINGHOUSE_NOW=$close_now \
                exec "$bin" close --period 2026-10 --outbox outbox >command.out 2>command.err) &
            ;;
    esac
    launched=$!
}

# rerun COMMAND DIR: what a person or the scheduler does after a failure; its exit status.
rerun() {
    local command=$1 dir=$2 status=0
    case $command in
        ingest) (cd "$dir" && COUNTINGHOUSE_DATABASE=$(<.database) COUNTINGHOUSE_NOW=$ingest_now \
            "$bin" ingest "${ingest_paths[@]}" >rerun.out 2>rerun.err) || status=$? ;;
        run) (cd "$dir" && COUNTINGHOUSE_DATABASE=$(<.database) COUNTINGHOUSE_NOW=$run_now \
            "$bin" run --inbox inbox --outbox outbox --date "$run_date" >rerun.out 2>rerun.err) || status=$? ;;
        close) (cd "$dir" && COUNTINGHOUSE_DATABASE=$(<.database) COUNTINGHOUSE_NOW=$close_now \
            "$here/jobs/close-month.sh" --period 2026-10 --outbox outbox >rerun.out 2>rerun.err) || status=$? ;;
    esac
    echo "$status"
}

# MARK: the checks

# check_report_folder DIR: DIR holds exactly the files its run.json names, each with its sha256.
check_report_folder() {
    local folder=$1 name digest listed=() present
    [[ -f $folder/run.json ]] || { echo "$folder: no run.json"; return 1; }
    while IFS='|' read -r name digest; do
        [[ -n $name ]] || continue
        listed+=("$name")
        [[ -f $folder/$name ]] || { echo "$folder: $name is missing"; return 1; }
        [[ $(sha256sum "$folder/$name" | cut -c1-64) == "$digest" ]] || { echo "$folder: $name differs from its sha256 in run.json"; return 1; }
    done < <(grep -o '"[^"]*": "sha256:[0-9a-f]*"' "$folder/run.json" | sed 's/^"\([^"]*\)": "sha256:\([0-9a-f]*\)"$/\1|\2/')
    [[ ${#listed[@]} -gt 0 ]] || { echo "$folder: run.json names no outputs"; return 1; }
    present=$(cd "$folder" && ls -A | grep -vx run.json | sort)
    [[ $present == "$(printf '%s\n' "${listed[@]}" | sort)" ]] || { echo "$folder: holds files run.json does not name"; return 1; }
}

# check_outbox DIR: every folder in view under DIR/outbox is whole (a run's D/ holds day/ and
# period-to-date/; a close's P/ is one report folder); prints what is not.
check_outbox() {
    local outbox=$1/outbox entry
    [[ -d $outbox ]] || return 0
    for entry in "$outbox"/*; do
        [[ -e $entry ]] || continue
        if [[ -f $entry/run.json ]]; then
            check_report_folder "$entry" || return 1
        else
            [[ $(cd "$entry" && ls -A | tr '\n' ' ') == "day period-to-date " ]] || { echo "$entry: partial ($(cd "$entry" && ls -A | tr '\n' ' '))"; return 1; }
            check_report_folder "$entry/day" || return 1
            check_report_folder "$entry/period-to-date" || return 1
        fi
    done
}

# poll_outbox DIR STOPFILE: check_outbox until STOPFILE exists; a folder seen partial goes to
# DIR/partial.txt. A check that races the swap itself is checked again at once.
poll_outbox() {
    local dir=$1 stop=$2 problem
    while [[ ! -e $stop ]]; do
        if ! problem=$(check_outbox "$dir"); then
            problem=$(check_outbox "$dir") || echo "$problem" >>"$dir/partial.txt"
        fi
        sleep 0.01
    done
}

# snapshot DIR OUT: what is compared, into the folder OUT.
snapshot() {
    local dir=$1 out=$2 id status
    rm -rf "$out"
    mkdir -p "$out"
    in_ledger "$dir" "$bin" files --format csv >"$out/files.csv"
    COUNTINGHOUSE_NOW=$close_now in_ledger "$dir" "$bin" stock --format csv >"$out/stock.csv"
    status=0
    COUNTINGHOUSE_NOW=$close_now in_ledger "$dir" "$bin" verify >"$out/verify.txt" 2>&1 || status=$?
    echo "exit $status" >>"$out/verify.txt"
    COUNTINGHOUSE_NOW=$close_now in_ledger "$dir" "$bin" cost --period 2026-10 --out "$work/cost-$$" >/dev/null
    cp "$work/cost-$$/cogs.csv" "$work/cost-$$/valuation.csv" "$out/"
    rm -rf "$work/cost-$$"
    # The records without their times (fields 5 and 6: no comma before them).
    in_ledger "$dir" "$bin" runs --format csv | cut -d, -f1-4,7- >"$out/runs.csv"
    for id in $(tail -n +2 "$out/runs.csv" | cut -d, -f1); do
        in_ledger "$dir" "$bin" runs show "$id" | sed -e '2d' -e '/"phases_ms"/d' >"$out/run-$id.txt"
    done
    # What is not there is not listed (find's complaint and status aside).
    (cd "$dir" && { find outbox -type f -not -path '*/.*' 2>/dev/null || true; } | sort | xargs -r sha256sum) >"$out/outbox.sha256"
    (cd "$dir" && { find outbox -mindepth 1 -maxdepth 1 -name '.*' 2>/dev/null || true; } | sort) >"$out/outbox-leftovers.txt"
    (cd "$dir" && { find inbox in -type f 2>/dev/null || true; } | sort | xargs -r sha256sum) >"$out/inputs.sha256"
}

# MARK: the trials

total_trials=0
total_killed=0
started_at=$(date +%s)

for current in $([[ $command == all ]] && echo "ingest run close" || echo "$command"); do
    root=$work/$store/$current
    mkdir -p "$root"
    # The ledger before the command: empty for ingest; what ingest leaves for run and close.
    new_ledger "$root/empty"
    if [[ $current == ingest ]]; then
        base=$root/empty
    else
        base=$root/base
        copy_ledger "$root/empty" "$base"
        prepare ingest "$base"
        (cd "$base" && COUNTINGHOUSE_DATABASE=$(<.database) COUNTINGHOUSE_NOW=$ingest_now "$bin" ingest "${ingest_paths[@]}" >/dev/null)
    fi

    # The uninterrupted reference, timed.
    copy_ledger "$base" "$root/reference"
    prepare "$current" "$root/reference"
    begun=$(date +%s%N)
    launch "$current" "$root/reference"
    reference_status=0
    wait "$launched" || reference_status=$?
    duration_ms=$((($(date +%s%N) - begun) / 1000000))
    [[ $current != close || $reference_status -eq 0 ]] || fail_setup "the reference close failed: $(cat "$root/reference/command.err")"
    [[ $reference_status -eq 0 ]] || fail_setup "the reference $current failed ($reference_status): $(cat "$root/reference/command.err")"
    snapshot "$root/reference" "$root/reference.snapshot"
    reference_files=$(tail -n +2 "$root/reference.snapshot/files.csv")
    base_count=$(in_ledger "$base" "$bin" files --format csv | tail -n +2 | grep -c . || true)
    echo "$program: $current on $store: uninterrupted in $duration_ms ms; $count trials, seed $seed"

    for trial in $(seq 1 "$count"); do
        next_random
        delay_ms=$((random_state % (duration_ms + 1)))
        dir=$root/trial-$trial
        copy_ledger "$base" "$dir"
        prepare "$current" "$dir"
        rm -f "$dir/partial.txt" "$root/stop"
        poll_outbox "$dir" "$root/stop" &
        poller=$!
        launch "$current" "$dir"
        sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
        kill -KILL "$launched" 2>/dev/null || true
        status=0
        # (wait's standard error: bash's "Killed" notice.)
        wait "$launched" 2>/dev/null || status=$?
        touch "$root/stop"
        wait "$poller" || true
        problems=()
        outcome="killed"
        if [[ $status -ne 137 ]]; then outcome="finished first (exit $status)"; else total_killed=$((total_killed + 1)); fi

        # At the kill: the outbox whole, the ledger consistent, each file whole or absent.
        [[ ! -s $dir/partial.txt ]] || problems+=("a partial outbox folder was in view: $(head -1 "$dir/partial.txt")")
        problem=$(check_outbox "$dir") || problems+=("after the kill: $problem")
        verified=0
        COUNTINGHOUSE_NOW=$close_now in_ledger "$dir" "$bin" verify >"$dir/killed-verify.txt" 2>&1 || verified=$?
        [[ $verified -eq 0 ]] || problems+=("verify failed after the kill: $(head -3 "$dir/killed-verify.txt" | tr '\n' ' ')")
        landed=$(in_ledger "$dir" "$bin" files --format csv | tail -n +2)
        landed_count=$(grep -c . <<<"$landed" || true)
        [[ $landed_count -eq 0 || $(head -n "$landed_count" <<<"$reference_files") == "$landed" ]] \
            || problems+=("after the kill the ledger's files are not the reference's first $landed_count")

        folder_at_kill=$([[ -d $dir/outbox/2026-10 ]] && echo "written" || echo "not written")

        # The clean rerun, and the comparison.
        rerun_status=$(rerun "$current" "$dir")
        [[ $rerun_status -eq $reference_status ]] || problems+=("the rerun exited $rerun_status: $(tail -3 "$dir/rerun.err" | tr '\n' ' ')")
        snapshot "$dir" "$dir.snapshot"
        # A run killed after its record: its rerun found the inbox empty and recorded that too.
        reference_runs=$(grep -c . "$root/reference.snapshot/runs.csv")
        if [[ $current == run && $(grep -c . "$dir.snapshot/runs.csv") -eq $((reference_runs + 1)) ]] \
            && tail -1 "$dir.snapshot/runs.csv" | grep -q ",$run_date,done_needing_attention,0,0,0,0,.*holds no files"; then
            extra=$(tail -1 "$dir.snapshot/runs.csv" | cut -d, -f1)
            sed -i '$d' "$dir.snapshot/runs.csv"
            rm -f "$dir.snapshot/run-$extra.txt"
            outcome="$outcome after its record"
        fi
        if ! difference=$(diff -r "$root/reference.snapshot" "$dir.snapshot"); then
            problems+=("the rerun differs from the reference: $(head -c 2000 <<<"$difference")")
        fi
        if [[ $current == run && -s $dir.snapshot/outbox-leftovers.txt ]]; then
            problems+=("leftovers in the outbox: $(tr '\n' ' ' <"$dir.snapshot/outbox-leftovers.txt")")
        fi
        total_trials=$((total_trials + 1))
        if [[ $current == close ]]; then
            files_note="the period's folder $folder_at_kill at the kill"
        else
            files_note="$((landed_count - base_count)) of its $(($(grep -c . <<<"$reference_files") - base_count)) files landed at the kill"
        fi
        if [[ ${#problems[@]} -eq 0 ]]; then
            echo "$program: $current on $store: trial $trial: kill at $delay_ms ms: $outcome ($files_note); rerun equal"
            [[ $keep -eq 1 ]] || { rm -rf "$dir" "$dir.snapshot"; }
        else
            failed=1
            echo "$program: $current on $store: trial $trial: kill at $delay_ms ms: $outcome ($files_note): FAILED" >&2
            for problem in "${problems[@]}"; do echo "  $problem" >&2; done
        fi
    done
done

echo "$program: $total_trials trials on $store ($total_killed killed mid-way), seed $seed, $(($(date +%s) - started_at)) s: $([[ $failed -eq 0 ]] && echo "every rerun equal to the uninterrupted one, no partial outbox folder in view" || echo "FAILURES above; work kept in $work")"
exit "$failed"
