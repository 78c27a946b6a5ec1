#!/usr/bin/env bash
# The nightly run at scale (issue 14 §2), called by scripts/bench.sh: one generated day of a big
# chain run by `countinghouse run` on a ledger already holding N days of that size, against the
# database's own bulk loader loading the same files into tables with their unique keys. Writes a
# markdown section (to standard output) that bench.sh puts in BENCHMARKS.md; progress on stderr.
# Figures and ratios, never a pass or fail.
#
#   scripts/bench-nightly.sh BIN WORK [PG_URL]
#
# Knobs (environment):
#   BENCH_NIGHTLY_LINES     POS lines a day (default 100000; the issue's day has 1,000,000, which this
#                           machine's disk cannot hold 90 days of: see BENCHMARKS.md)
#   BENCH_NIGHTLY_HISTORY   days already in the ledger, one or more (default "30")
#   BENCH_NIGHTLY_STORES, BENCH_NIGHTLY_SKUS   the chain (default 40, 2000)
set -euo pipefail

die() { echo "bench-nightly: $*" >&2; exit 1; }

bin=${1:?the countinghouse binary}
work=${2:?the work directory}
pg_url=${3:-}
lines=${BENCH_NIGHTLY_LINES:-100000}
histories=${BENCH_NIGHTLY_HISTORY:-30}
stores=${BENCH_NIGHTLY_STORES:-40}
skus=${BENCH_NIGHTLY_SKUS:-2000}
start=2026-01-01
for knob in lines stores skus; do
    [[ ${!knob} =~ ^[1-9][0-9]*$ ]] || die "BENCH_NIGHTLY_${knob^^} must be a positive whole number, not '${!knob}'"
done
for history in $histories; do
    [[ $history =~ ^[1-9][0-9]*$ ]] || die "BENCH_NIGHTLY_HISTORY must be whole numbers of days, not '$history'"
done

seconds_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'; }
day_after() { date -u -d "$1 + 1 day" +%F; }
thousands() { awk -v n="$1" 'BEGIN { s = sprintf("%d", n); r = ""; while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) } printf "%s%s", s, r }'; }

nightly=$work/nightly
logs=$work/logs
mkdir -p "$nightly" "$logs"
config=$nightly/countinghouse.toml
printf 'timezone = "America/New_York"\n' >"$config"
export COUNTINGHOUSE_CONFIG=$config COUNTINGHOUSE_TIMINGS=1
unset COUNTINGHOUSE_DATABASE COUNTINGHOUSE_NOW

most=0
for history in $histories; do ((history > most)) && most=$history; done
generated=$((most + 1))
days_dir=$nightly/days-s$stores-k$skus-l$lines-n$generated
if [[ ! -f $days_dir/.complete ]]; then
    echo "bench-nightly: generating $generated days of $lines POS lines into $days_dir (once)" >&2
    rm -rf "$days_dir"
    "$bin" sample --out "$days_dir" --stores "$stores" --skus "$skus" --days "$generated" --lines-per-day "$lines" --start "$start" >/dev/null
    touch "$days_dir/.complete"
fi
mapfile -t all_days < <(cd "$days_dir" && ls -d ????-??-?? | sort)

# The unique key of each canonical file (FORMATS.md), by its header's first column; the processors'
# own exports get none (their rows are keyed by the reader, not by columns).
key_of() {
    case $(head -1 "$1" | cut -d, -f1-2) in
        order_id,line_no) echo "order_id, line_no" ;;
        order_id,tender_no) echo "order_id, tender_no" ;;
        document_id,line_no) echo "document_id, line_no" ;;
        transfer_id,line_no) echo "transfer_id, line_no, type, receipt_no" ;;
        count_id,*) echo "count_id, location, sku" ;;
        processor,record_id) echo "processor, record_id" ;;
        *) echo "" ;;
    esac
}

# bulk_load ENGINE DAY : seconds for the database's own loader to load the day's files, each into a
# fresh table of TEXT columns with the file's unique key (sqlite3 .import into one new file; psql
# \copy into one schema); the tables are made before the clock starts.
bulk_load() {
    local engine=$1 day=$2 file n=0 columns key began ddl=""
    local scratch=$nightly/bulk.sqlite
    rm -f "$scratch"
    [[ $engine == PostgreSQL ]] && psql -qAt -d "$pg_url" -c "SET client_min_messages TO warning; DROP SCHEMA IF EXISTS bench_bulk CASCADE; CREATE SCHEMA bench_bulk" >/dev/null
    local loads=()
    for file in "$days_dir/$day"/*.csv; do
        n=$((n + 1))
        columns=$(head -1 "$file" | tr -d '\r' | tr ',' '\n' | awk '{ gsub(/"/, ""); printf "%s\"%s\" TEXT", (NR > 1 ? ", " : ""), $0 }')
        key=$(key_of "$file")
        ddl+="CREATE TABLE t$n ($columns${key:+, UNIQUE ($key)}); "
        if [[ $engine == SQLite ]]; then loads+=(".import --csv --skip 1 $file t$n"); else loads+=("\\copy bench_bulk.t$n from '$file' with (format csv, header true)"); fi
    done
    if [[ $engine == SQLite ]]; then
        sqlite3 "$scratch" "$ddl"
        began=$(date +%s.%N)
        printf '%s\n' "${loads[@]}" | sqlite3 "$scratch" >/dev/null
    else
        psql -qAt -d "$pg_url" -c "SET search_path TO bench_bulk; $ddl" >/dev/null
        began=$(date +%s.%N)
        printf '%s\n' "${loads[@]}" | psql -qAt -v ON_ERROR_STOP=1 -d "$pg_url" >/dev/null
    fi
    bulk_seconds=$(seconds_since "$began")
    rm -f "$scratch"
    [[ $engine == PostgreSQL ]] && psql -qAt -d "$pg_url" -c "SET client_min_messages TO warning; DROP SCHEMA bench_bulk CASCADE" >/dev/null
    return 0
}

rows=()
engines=(SQLite)
[[ -n $pg_url ]] && engines+=(PostgreSQL)
for history in $histories; do
    run_day=${all_days[$history]}
    built_at=$(day_after "${all_days[$((history - 1))]}")T05:00:00Z
    run_now=$(day_after "$run_day")T06:00:00Z
    day_bytes=$(cat "$days_dir/$run_day"/*.csv | wc -c)
    day_rows=$(for f in "$days_dir/$run_day"/*.csv; do echo "$(basename "$f") $(($(wc -l <"$f") - 1))"; done | paste -sd, - | sed 's/,/, /g')
    for engine in "${engines[@]}"; do
        log=$logs/nightly-$engine-$history
        if [[ $engine == SQLite ]]; then
            rm -f "$nightly"/ledger.sqlite*
            database=$nightly/ledger.sqlite
        else
            psql -qAt -d "$pg_url" -c "SET client_min_messages TO warning; DROP SCHEMA IF EXISTS bench_nightly CASCADE; CREATE SCHEMA bench_nightly" >/dev/null
            database=$pg_url
            [[ $database == *\?* ]] && database+="&" || database+="?"
            database+="options=-csearch_path%3Dbench_nightly"
        fi
        export COUNTINGHOUSE_DATABASE=$database
        echo "bench-nightly: $engine: ingesting $history days of $lines lines" >&2
        began=$(date +%s.%N)
        COUNTINGHOUSE_NOW=${built_at/05:00/05:20} "$bin" init >/dev/null
        for ((i = 0; i < history; i++)); do
            COUNTINGHOUSE_NOW=${built_at/05:00/05:20} "$bin" ingest --recorded-at "$built_at" "$days_dir/${all_days[$i]}"/*.csv >/dev/null 2>>"$log.build.err" \
                || die "ingest of ${all_days[$i]} failed ($log.build.err)"
        done
        COUNTINGHOUSE_NOW=${built_at/05:00/05:20} "$bin" stock >/dev/null 2>>"$log.build.err" || die "stock failed ($log.build.err)"
        build_seconds=$(seconds_since "$began")
        if [[ $engine == SQLite ]]; then
            size="$(awk -v b="$(stat -c %s "$nightly/ledger.sqlite")" 'BEGIN { printf "%.0f", b / 1e6 }') MB"
        else
            size="$(psql -qAt -d "$pg_url" -c "SELECT round(sum(pg_total_relation_size(c.oid)) / 1e6) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'bench_nightly' AND c.relkind = 'r'") MB"
        fi
        rm -rf "$nightly/inbox" "$nightly/outbox"
        mkdir -p "$nightly/inbox"
        cp "$days_dir/$run_day"/* "$nightly/inbox/"
        echo "bench-nightly: $engine: the run of $run_day on $history days" >&2
        status=0
        COUNTINGHOUSE_NOW=$run_now /usr/bin/time -f '%e %U %S %M' -o "$log.time" \
            "$bin" run --inbox "$nightly/inbox" --outbox "$nightly/outbox" --date "$run_day" >"$log.out" 2>"$log.err" || status=$?
        read -r wall user system rss < <(tail -1 "$log.time")
        phases=$("$bin" runs show 1 | awk '
            /"phases_ms"/ {
                text = substr($0, index($0, "{") + 1); sub(/}.*/, "", text)
                n = split(text, parts, ", ")
                for (i = 1; i <= n; i++) { split(parts[i], kv, ": "); gsub(/"/, "", kv[1]); out = out (i > 1 ? ", " : "") sprintf("%s %.1f s", kv[1], kv[2] / 1000) }
                print out
            }')
        unset COUNTINGHOUSE_DATABASE
        bulk_load "$engine" "$run_day"
        ratio=$(awk -v a="$wall" -v b="$bulk_seconds" 'BEGIN { printf "%.1f", a / b }')
        # The least the run's two workbooks (the day's and the period-to-date) cost to write:
        # their parts deflated, nothing else (scripts/deflate-floor.sh).
        floor="—"
        workbooks=("$nightly/outbox/$run_day/day/report.xlsx" "$nightly/outbox/$run_day/period-to-date/report.xlsx")
        if [[ -f ${workbooks[0]} && -f ${workbooks[1]} ]]; then
            read -r floor_seconds floor_mb < <("$(dirname "${BASH_SOURCE[0]}")/deflate-floor.sh" "${workbooks[@]}")
            floor="$floor_seconds s for $floor_mb MB of XML: $(awk -v a="$floor_seconds" -v b="$bulk_seconds" 'BEGIN { printf "%.1f", a / b }') × the loader"
        fi
        mb=$(awk -v k="$rss" 'BEGIN { printf "%.0f", k * 1024 / 1e6 }')
        note=""
        [[ $status -ne 0 ]] && note=" (exit $status: see $log.err)"
        rows+=("| $history | $engine | $size (built in $build_seconds s) | $wall s (CPU $(awk -v u="$user" -v s="$system" 'BEGIN { printf "%.1f", u + s }') s), $mb MB$note | $phases | $bulk_seconds s | $ratio | $floor |")
        echo "bench-nightly: $engine, $history days: run $wall s, $mb MB; bulk loader $bulk_seconds s; ratio $ratio" >&2
    done
done
[[ -n $pg_url ]] && psql -qAt -d "$pg_url" -c "SET client_min_messages TO warning; DROP SCHEMA IF EXISTS bench_nightly CASCADE" >/dev/null

echo "## The nightly run at scale"
echo
echo "A generated chain of $stores stores and $skus SKUs with $(thousands "$lines") POS lines a day (\`countinghouse sample --stores $stores"
echo "--skus $skus --lines-per-day $lines --start $start --days $generated\`); the run's day ($((day_bytes / 1000000)) MB) holds: $day_rows."
echo "Each ledger holds the days before it (one \`ingest\` per day, then \`stock\`); then \`countinghouse run\` of the next"
echo "day (ingest, costs, reconciliation, the day's and the period-to-date workbook) is measured, and the"
echo "database's own loader (\`sqlite3 .import\`, \`psql \\copy\`) loads the same files into fresh tables with their"
echo "unique keys (FORMATS.md; the processors' exports without one). Bound: the run ≤ 3 × the loader; peak RSS ≤ 500 MB."
echo "The last column is a floor under any run that writes the same two workbooks with libxlsxwriter: their parts"
echo "deflated at zlib's default level and nothing else (\`scripts/deflate-floor.sh\`, gzip's CPU seconds)."
echo
echo "| days in the ledger | store | ledger size | the nightly \`run\` | its phases (\`runs show 1\`) | bulk loader | run / loader | the two workbooks deflated alone |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "Reproduce: \`BENCH_NIGHTLY_LINES=$lines BENCH_NIGHTLY_HISTORY=\"$histories\" BENCH_NIGHTLY_STORES=$stores BENCH_NIGHTLY_SKUS=$skus make bench\`"
echo "(\`BENCH_NIGHTLY_LINES=0\` leaves this section out). Logs: \`<BENCH_WORK>/logs/nightly-*\`."
