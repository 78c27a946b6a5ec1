#!/usr/bin/env bash
# `make bench`: measures Countinghouse on a generated year of a retail chain, on SQLite and on
# PostgreSQL, and rewrites BENCHMARKS.md (machine, sizes, figures, ratios, the bound each is compared
# with). Figures and ratios, never a pass or fail: the script fails only when a command it measures
# cannot run.
#
#   scripts/pgtest.sh run -- scripts/bench.sh     (what `make bench` runs; without pgtest.sh, or
#                                                  with COUNTINGHOUSE_TEST_POSTGRES unset, the
#                                                  PostgreSQL column is left empty)
#
# What it measures (each on SQLite and on PostgreSQL):
#   - countinghouse-bench (ingest of generated pos_lines against the database's bulk loader, costing,
#     reconciliation): its lines verbatim, and its ingest rate against the same loader into a table
#     holding only the natural key (measured here);
#   - on a ledger holding BENCH_DAYS generated days: a month's `report --period` (the first month
#     and the last; the last month's workbook deflated alone, the floor under any report writing it),
#     `hledger bal` over the whole span's exported journal, the whole span's report,
#     `verify`, the cost cache rebuilt from nothing, one more day's `ingest` then `stock`, and one
#     day's nightly `run` with its phases (wall seconds and peak RSS from GNU time).
#
# Knobs (environment):
#   BENCH_WORK            work directory (default bench-data/year; git-ignored). The generated days,
#                         the SQLite ledger and a pg_dump of the PostgreSQL ledger are kept there and
#                         reused: only what is missing is generated or ingested again.
#   BENCH_DAYS            days in the ledger, from 2026-01-01 (default 365); two more days are
#                         generated: one ingested before `stock`, one for the nightly run.
#   BENCH_PG_DAYS         days in the PostgreSQL ledger (default BENCH_DAYS).
#   BENCH_STORES, BENCH_SKUS, BENCH_LINES_PER_DAY   the chain (default 10, 400, 2000).
#   BENCH_OUT             the file written (default BENCHMARKS.md at the repository root).
#   BENCH_BIN_DIR         where the release binaries are (default: swift build -c release --show-bin-path).
#   BENCH_SKIP_MICRO=1    skip countinghouse-bench (its own knobs: COUNTINGHOUSE_BENCH_ROWS, …_EVENTS,
#                         …_TENDERS; see Sources/countinghouse-bench/main.swift).
#   BENCH_NIGHTLY_LINES, BENCH_NIGHTLY_HISTORY, BENCH_NIGHTLY_STORES, BENCH_NIGHTLY_SKUS
#                         the nightly run at scale (scripts/bench-nightly.sh; BENCH_NIGHTLY_LINES=0
#                         skips it).
#   BENCH_PARTITION_DAYS  days in the plain and the partitioned PostgreSQL ledgers compared by
#                         scripts/bench-partitions.sh (default BENCH_PG_DAYS; 0 skips it).
set -euo pipefail

die() { echo "bench: $*" >&2; exit 1; }

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

work=${BENCH_WORK:-bench-data/year}
days=${BENCH_DAYS:-365}
pg_days=${BENCH_PG_DAYS:-$days}
stores=${BENCH_STORES:-10}
skus=${BENCH_SKUS:-400}
lines_per_day=${BENCH_LINES_PER_DAY:-2000}
output=${BENCH_OUT:-$root/BENCHMARKS.md}
start=2026-01-01
for knob in days pg_days stores skus lines_per_day; do
    [[ ${!knob} =~ ^[1-9][0-9]*$ ]] || die "BENCH_${knob^^} must be a positive whole number, not '${!knob}'"
done

# --- Tools -------------------------------------------------------------------------------------
[[ -x /usr/bin/time ]] && /usr/bin/time -f %e true >/dev/null 2>&1 \
    || die "GNU time (/usr/bin/time) is needed for wall time and peak RSS: install the 'time' package (make deps)"
for tool in sqlite3 hledger git awk unzip gzip; do
    command -v "$tool" >/dev/null || die "$tool is not installed (make deps)"
done
bin_dir=${BENCH_BIN_DIR:-$(swift build -c release --show-bin-path)}
bin=$bin_dir/countinghouse
bench_bin=$bin_dir/countinghouse-bench
[[ -x $bin ]] || die "$bin is missing: build first (swift build -c release, or make bench)"
pg_url=${COUNTINGHOUSE_TEST_POSTGRES:-}
if [[ -n $pg_url ]]; then
    for tool in psql pg_dump pg_restore; do
        command -v "$tool" >/dev/null || die "$tool is not installed (make deps)"
    done
    psql -qAt -d "$pg_url" -c 'SELECT 1' >/dev/null || die "PostgreSQL at $pg_url does not answer"
fi

mkdir -p "$work"
work=$(cd "$work" && pwd)
logs=$work/logs
rm -rf "$logs" "$work/scratch"
mkdir -p "$logs" "$work/scratch"
config=$work/countinghouse.toml
printf 'timezone = "America/New_York"\n' >"$config"
export COUNTINGHOUSE_CONFIG=$config COUNTINGHOUSE_TIMINGS=1
unset COUNTINGHOUSE_DATABASE COUNTINGHOUSE_NOW

load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date +%s)

# --- Small helpers -----------------------------------------------------------------------------
seconds_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'; }
day_after() { date -u -d "$1 + 1 day" +%F; }
megabytes() { awk -v k="$1" 'BEGIN { printf "%.0f", k * 1024 / 1e6 }'; }   # GNU time's KiB → MB
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "—" }'; }
thousands() { awk -v n="$1" 'BEGIN { s = sprintf("%d", n); r = ""; while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) } printf "%s%s", s, r }'; }

declare -A figure    # "key|engine" → the cell's text
declare -A value     # "key|engine" → a number (seconds or MB) for the ratios
failures=()

# measure KEY ENGINE CMD… : runs CMD under GNU time (stdout and stderr to logs/KEY-ENGINE.*), sets
# value[KEY-wall|ENGINE], value[KEY-rss|ENGINE] and figure[KEY|ENGINE] ("12.3 s (CPU 9.8 s), 456 MB":
# the process's user + system CPU seconds beside the wall, which on a shared machine also measures
# the others' load). A command
# that fails is noted (its exit status in the cell and the summary), never hidden.
measure() {
    local key=$1 engine=$2
    shift 2
    local log=$logs/$key-$engine status=0
    /usr/bin/time -f '%e %U %S %M' -o "$log.time" "$@" >"$log.out" 2>"$log.err" || status=$?
    local wall user system rss
    read -r wall user system rss < <(tail -1 "$log.time")
    value[$key-wall|$engine]=$wall
    value[$key-rss|$engine]=$(megabytes "$rss")
    figure[$key|$engine]="$wall s (CPU $(awk -v u="$user" -v s="$system" 'BEGIN { printf "%.1f", u + s }') s), ${value[$key-rss|$engine]} MB"
    if [[ $status -ne 0 ]]; then
        figure[$key|$engine]+=" (exit $status)"
        failures+=("$key on $engine exited $status (see $log.err)")
        echo "bench: $key on $engine exited $status; its stderr ends:" >&2
        tail -5 "$log.err" >&2
    fi
    printf '%-34s %-10s %s\n' "$key" "$engine" "${figure[$key|$engine]}"
}

# --- The generated days ------------------------------------------------------------------------
most_days=$((days > pg_days ? days : pg_days))
generated_days=$((most_days + 2))
days_dir=$work/days-s$stores-k$skus-l$lines_per_day-n$generated_days
if [[ ! -f $days_dir/.complete ]]; then
    echo "bench: generating $generated_days days of a $stores-store chain into $days_dir (once)" >&2
    rm -rf "$days_dir"
    "$bin" sample --out "$days_dir" --stores "$stores" --skus "$skus" --days "$generated_days" \
        --lines-per-day "$lines_per_day" --start "$start" >/dev/null
    touch "$days_dir/.complete"
fi
mapfile -t all_days < <(cd "$days_dir" && ls -d ????-??-?? | sort)
[[ ${#all_days[@]} -ge $generated_days ]] || die "$days_dir holds ${#all_days[@]} day folders, not $generated_days"

# The clocks of a ledger of N days (all fixed, so a rerun measures the same work): built and read
# the morning after its last day; one more day ingested the morning after that, and the nightly run
# for the day after, the next morning.
ledger_clocks() {
    local n=$1
    last_day=${all_days[$((n - 1))]}
    extra_day=${all_days[$n]}
    run_day=${all_days[$((n + 1))]}
    built_at=$(day_after "$last_day")T05:00:00Z
    read_now=$(day_after "$last_day")T12:00:00Z
    extra_recorded_at=$(day_after "$extra_day")T05:00:00Z
    extra_now=$(day_after "$extra_day")T05:20:00Z
    run_now=$(day_after "$run_day")T06:00:00Z
    first_month=${start:0:7}
    last_month=${last_day:0:7}
}

# ingest_days N : ingests the first N generated days into $COUNTINGHOUSE_DATABASE, one `ingest` per
# day (as the year's nightly runs would have), then brings the cost cache up to date.
ingest_days() {
    local n=$1 i
    "$bin" init >/dev/null
    for ((i = 0; i < n; i++)); do
        "$bin" ingest --recorded-at "$built_at" "$days_dir/${all_days[$i]}"/*.csv >/dev/null 2>>"$logs/build.err" \
            || { tail -5 "$logs/build.err" >&2; die "ingest of ${all_days[$i]} failed (all of it: $logs/build.err)"; }
    done
    "$bin" stock >/dev/null 2>>"$logs/build.err" || { tail -5 "$logs/build.err" >&2; die "stock after the ingest failed"; }
}

# --- countinghouse-bench -----------------------------------------------------------------------
micro_log=$logs/countinghouse-bench.out
if [[ ${BENCH_SKIP_MICRO:-0} != 1 ]]; then
    [[ -x $bench_bin ]] || die "$bench_bin is missing: swift build -c release --product countinghouse-bench"
    echo "bench: countinghouse-bench (ingest, costing, reconciliation)" >&2
    COUNTINGHOUSE_BENCH_DIR=$root/bench-data "$bench_bin" | tee "$micro_log"
fi

# The ingest target is against the database's bulk loader into a table with only the natural key
# (countinghouse-bench's baseline table has none): the same file, loaded here.
micro_file=$( [[ -f $micro_log ]] && sed -n 's/^file: \(.*\), \([0-9]*\) rows, .*/\1/p' "$micro_log" || true)
micro_rows=$( [[ -f $micro_log ]] && sed -n 's/^file: .*, \([0-9]*\) rows, .*/\1/p' "$micro_log" || true)
ingest_rate() {   # rows/s of "<Engine> ingest: X s, N rows/s"
    [[ -f $micro_log ]] && sed -n "s/^$1 ingest: [0-9.]* s, \([0-9]*\) rows\/s.*/\1/p" "$micro_log" || true
}
bare_ratio() {    # countinghouse-bench's own ratio against the bare table
    [[ -f $micro_log ]] && sed -n "s/^$1 ratio ingest \/ [^:]*: \([0-9.]*\).*/\1/p" "$micro_log" || true
}
keyed_loader() {  # ENGINE: loads $micro_file into a table with only the natural key, sets keyed_rate
    local engine=$1 header columns began
    header=$(head -1 "$micro_file")
    columns=$(tr ',' '\n' <<<"$header" | sed 's/.*/& TEXT/' | paste -sd, -)
    columns+=", PRIMARY KEY (order_id, line_no)"
    if [[ $engine == SQLite ]]; then
        rm -f "$work/scratch/keyed.sqlite"
        sqlite3 "$work/scratch/keyed.sqlite" "CREATE TABLE keyed ($columns)"
        began=$(date +%s.%N)
        sqlite3 "$work/scratch/keyed.sqlite" ".import --csv --skip 1 $micro_file keyed" >/dev/null
    else
        psql -qAt -d "$pg_url" -c "SET client_min_messages TO warning; DROP TABLE IF EXISTS public.bench_keyed; CREATE TABLE public.bench_keyed ($columns)" >/dev/null
        began=$(date +%s.%N)
        psql -qAt -d "$pg_url" -c "\\copy public.bench_keyed from '$micro_file' with (format csv, header true)" >/dev/null
    fi
    keyed_seconds=$(seconds_since "$began")
    keyed_rate=$(awk -v n="$micro_rows" -v s="$keyed_seconds" 'BEGIN { printf "%.0f", n / s }')
    [[ $engine == SQLite ]] && rm -f "$work/scratch/keyed.sqlite"
    [[ $engine == PostgreSQL ]] && psql -qAt -d "$pg_url" -c "DROP TABLE public.bench_keyed" >/dev/null
    return 0
}

# --- The ledgers -------------------------------------------------------------------------------
pg_schema=bench_year
declare -A rows_of   # "table|engine" → rows
declare -A built     # engine → how the ledger was built or restored this run

# sql ENGINE QUERY : one value from the engine's ledger.
sql() {
    if [[ $1 == SQLite ]]; then sqlite3 "$COUNTINGHOUSE_DATABASE" "$2"; else psql -qAt -d "$pg_url" -c "SET search_path TO $pg_schema; $2"; fi
}

prepare_sqlite() {
    ledger_clocks "$days"
    local year=$work/ledger-s$stores-k$skus-l$lines_per_day-d$days.sqlite began
    if [[ ! -f $year ]]; then
        echo "bench: ingesting $days days into a SQLite ledger (once; kept as $year)" >&2
        rm -f "$work"/building.sqlite*
        began=$(date +%s.%N)
        (export COUNTINGHOUSE_DATABASE=$work/building.sqlite COUNTINGHOUSE_NOW=${built_at/05:00/05:20}; ingest_days "$days")
        echo "$(seconds_since "$began") s on $(date -u +%F), load average $(cut -d' ' -f1-3 /proc/loadavg)" >"$year.built"
        sqlite3 "$work/building.sqlite" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
        rm -f "$work"/building.sqlite-wal "$work"/building.sqlite-shm
        mv "$work/building.sqlite" "$year"   # only a whole ledger is kept
    fi
    built[SQLite]="one \`ingest\` per day: $(cat "$year.built" 2>/dev/null || echo 'time not recorded')"
    rm -f "$work"/scratch/ledger.sqlite*
    cp "$year" "$work/scratch/ledger.sqlite"
    export COUNTINGHOUSE_DATABASE=$work/scratch/ledger.sqlite
}

prepare_postgres() {
    ledger_clocks "$pg_days"
    local dump=$work/ledger-s$stores-k$skus-l$lines_per_day-d$pg_days.pgdump began
    local url=$pg_url
    [[ $url == *\?* ]] && url+="&" || url+="?"
    url+="options=-csearch_path%3D$pg_schema"
    psql -qAt -d "$pg_url" -c "SET client_min_messages TO warning; DROP SCHEMA IF EXISTS $pg_schema CASCADE" >/dev/null
    if [[ -f $dump ]]; then
        began=$(date +%s.%N)
        pg_restore -d "$pg_url" --no-owner "$dump" || die "pg_restore of $dump failed (delete it to ingest again)"
        built[PostgreSQL]="one \`ingest\` per day: $(cat "$dump.built" 2>/dev/null || echo 'time not recorded'); restored this run from a pg_dump in $(seconds_since "$began") s"
    else
        echo "bench: ingesting $pg_days days into a PostgreSQL ledger (schema $pg_schema; kept as $dump)" >&2
        psql -qAt -d "$pg_url" -c "CREATE SCHEMA $pg_schema" >/dev/null
        began=$(date +%s.%N)
        (export COUNTINGHOUSE_DATABASE=$url COUNTINGHOUSE_NOW=${built_at/05:00/05:20}; ingest_days "$pg_days")
        echo "$(seconds_since "$began") s on $(date -u +%F), load average $(cut -d' ' -f1-3 /proc/loadavg)" >"$dump.built"
        pg_dump -d "$pg_url" -n "$pg_schema" -Fc -f "$dump.tmp"
        mv "$dump.tmp" "$dump"
        built[PostgreSQL]="one \`ingest\` per day: $(cat "$dump.built")"
    fi
    export COUNTINGHOUSE_DATABASE=$url
}

count_rows() {
    local engine=$1 tables table
    if [[ $engine == SQLite ]]; then
        tables=$(sql SQLite "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'ledger\\_%' ESCAPE '\\' ORDER BY name")
    else
        tables=$(sql PostgreSQL "SELECT table_name FROM information_schema.tables WHERE table_schema = '$pg_schema' AND table_name LIKE 'ledger\\_%' ORDER BY 1")
    fi
    for table in $tables; do
        rows_of[$table|$engine]=$(sql "$engine" "SELECT count(*) FROM $table")
        all_tables[$table]=1
    done
    rows_of[files|$engine]=$(sql "$engine" "SELECT count(*) FROM files")
    if [[ $engine == SQLite ]]; then
        rows_of[size|$engine]="$(awk -v b="$(stat -c %s "$COUNTINGHOUSE_DATABASE")" 'BEGIN { printf "%.0f", b / 1e6 }') MB (file)"
    else
        rows_of[size|$engine]="$(sql PostgreSQL "SELECT round(sum(pg_total_relation_size(c.oid)) / 1e6) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '$pg_schema' AND c.relkind = 'r'") MB (tables and indexes)"
    fi
}
declare -A all_tables last_month_of

# bench_ledger ENGINE : every figure on a ledger of that engine.
bench_ledger() {
    local engine=$1 out=$work/scratch/$1
    mkdir -p "$out"
    figure[span|$engine]="$start … $last_day"
    last_month_of[$engine]=$last_month
    count_rows "$engine"

    export COUNTINGHOUSE_NOW=$read_now
    measure month-first "$engine" "$bin" report --period "$first_month" --out "$out/month-first"
    measure month-last "$engine" "$bin" report --period "$last_month" --out "$out/month-last"
    # What writing that month's workbook costs at the least: its parts deflated, nothing else.
    if [[ -f $out/month-last/report.xlsx ]]; then
        local floor_seconds floor_mb
        read -r floor_seconds floor_mb < <(scripts/deflate-floor.sh "$out/month-last/report.xlsx")
        value[deflate-wall|$engine]=$floor_seconds
        figure[deflate|$engine]="$floor_seconds s (CPU) for $floor_mb MB of XML"
        printf '%-34s %-10s %s\n' "deflate floor, last month" "$engine" "${figure[deflate|$engine]}"
    fi
    measure year-report "$engine" "$bin" report --from "$start" --to "$last_day" --out "$out/year"
    if [[ -f $out/year/journal.ledger ]]; then
        measure hledger "$engine" hledger -f "$out/year/journal.ledger" bal -p "$last_month"
    else
        figure[hledger|$engine]="no journal.ledger"
    fi
    measure verify "$engine" "$bin" verify
    # The cache rebuilt from nothing: with its state cleared, the next refresh empties the cache
    # and reprices every SKU (CostCache.swift); `stock` is the lightest command that refreshes.
    sql "$engine" "DELETE FROM cost_cache_state" >/dev/null
    measure cache-rebuild "$engine" "$bin" stock --format csv

    export COUNTINGHOUSE_NOW=$extra_now
    measure extra-ingest "$engine" "$bin" ingest --recorded-at "$extra_recorded_at" "$days_dir/$extra_day"/*.csv
    measure stock-after "$engine" "$bin" stock --format csv

    export COUNTINGHOUSE_NOW=$run_now
    rm -rf "$out/inbox" "$out/outbox"
    mkdir -p "$out/inbox"
    cp "$days_dir/$run_day"/* "$out/inbox/"
    measure nightly-run "$engine" "$bin" run --inbox "$out/inbox" --outbox "$out/outbox" --date "$run_day"
    # The run's own record of its phases: "phases_ms": {"name": ms, …} → "name 12 %, …".
    figure[phases|$engine]=$("$bin" runs show 1 | awk '
        /"phases_ms"/ {
            text = substr($0, index($0, "{") + 1); sub(/}.*/, "", text)
            n = split(text, parts, ", ")
            for (i = 1; i <= n; i++) { split(parts[i], kv, ": "); gsub(/"/, "", kv[1]); name[i] = kv[1]; ms[i] = kv[2]; total += kv[2] }
            for (i = 1; i <= n; i++) if (total > 0) out = out (i > 1 ? ", " : "") sprintf("%s %.0f %%", name[i], 100 * ms[i] / total)
            print out
        }')
    printf '%-34s %-10s %s\n' "run phases" "$engine" "${figure[phases|$engine]}"
    unset COUNTINGHOUSE_NOW

    figure[ingest|$engine]="—"
    if [[ -n $micro_file && -f $micro_file ]]; then
        keyed_loader "$engine"
        local rate
        rate=$(ingest_rate "$engine")
        figure[keyed|$engine]="$(thousands "$keyed_rate") rows/s ($keyed_seconds s)"
        if [[ -n $rate ]]; then
            figure[ingest|$engine]="$(thousands "$rate") rows/s"
            value[ingest-ratio|$engine]=$(ratio "$rate" "$keyed_rate")
        fi
        value[bare-ratio|$engine]=$(bare_ratio "$engine")
        printf '%-34s %-10s %s\n' "ingest / keyed bulk loader" "$engine" "${figure[ingest|$engine]} / ${figure[keyed|$engine]} = ${value[ingest-ratio|$engine]:-—}"
    fi
}

prepare_sqlite
bench_ledger SQLite
sqlite_days=$days
if [[ -n $pg_url ]]; then
    prepare_postgres
    bench_ledger PostgreSQL
else
    echo "bench: COUNTINGHOUSE_TEST_POSTGRES is not set: PostgreSQL skipped (make bench starts a server)" >&2
fi
unset COUNTINGHOUSE_DATABASE

# --- The nightly run at scale ------------------------------------------------------------------
nightly_section=$work/nightly.md
rm -f "$nightly_section"
if [[ ${BENCH_NIGHTLY_LINES:-100000} != 0 ]]; then
    echo "bench: the nightly run at scale (scripts/bench-nightly.sh)" >&2
    scripts/bench-nightly.sh "$bin" "$work" "$pg_url" >"$nightly_section.tmp" || die "scripts/bench-nightly.sh failed"
    mv "$nightly_section.tmp" "$nightly_section"
fi

# --- PostgreSQL partitioned by month ------------------------------------------------------------
partition_section=$work/partitions.md
rm -f "$partition_section"
partition_days=${BENCH_PARTITION_DAYS:-$pg_days}
if [[ -n $pg_url && $partition_days != 0 ]]; then
    echo "bench: PostgreSQL partitioned by month (scripts/bench-partitions.sh)" >&2
    scripts/bench-partitions.sh "$bin" "$days_dir" "$config" "$pg_url" "$work" "$partition_days" >"$partition_section.tmp" \
        || die "scripts/bench-partitions.sh failed"
    mv "$partition_section.tmp" "$partition_section"
fi

# --- BENCHMARKS.md -----------------------------------------------------------------------------
engines=(SQLite PostgreSQL)
cell() { echo "${figure[$1|$2]:-—}"; }
per_engine() {   # "SQLite a, PostgreSQL b" of value[KEY|engine]
    local key=$1 text="" engine
    for engine in "${engines[@]}"; do
        if [[ -n ${value[$key|$engine]:-} ]]; then text+="${text:+; }$engine ${value[$key|$engine]}"; fi
    done
    echo "${text:-—}"
}
for engine in "${engines[@]}"; do
    if [[ -n ${value[month-first-wall|$engine]:-} ]]; then
        value[month-ratio|$engine]=$(ratio "${value[month-first-wall|$engine]}" "${value[month-last-wall|$engine]}")
        printf '%-34s %-10s %s\n' "report first / last month" "$engine" "${value[month-ratio|$engine]} (target 0.80–1.20)"
        if [[ -n ${value[hledger-wall|$engine]:-} ]]; then
            value[hledger-ratio|$engine]=$(ratio "${value[hledger-wall|$engine]}" "${value[month-last-wall|$engine]}")
            printf '%-34s %-10s %s\n' "hledger / our last month's report" "$engine" "${value[hledger-ratio|$engine]} (target ≥ 10)"
            if [[ -n ${value[deflate-wall|$engine]:-} ]]; then
                value[deflate-ratio|$engine]=$(ratio "${value[hledger-wall|$engine]}" "${value[deflate-wall|$engine]}")
            fi
        fi
    fi
done
row() {   # FIGURE KEY BOUND RATIO
    echo "| $1 | $(cell "$2" SQLite) | $(cell "$2" PostgreSQL) | $3 | $4 |"
}

commit=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- Sources Package.swift 2>/dev/null || commit+=" (with uncommitted changes to Sources/)"
swift_version=$(swift --version 2>/dev/null | head -1)
pg_version=$( [[ -n $pg_url ]] && psql -qAt -d "$pg_url" -c 'SHOW server_version' || echo 'not measured')
elapsed=$(( $(date +%s) - started ))

{
    echo "# Benchmarks"
    echo
    echo "Written by \`make bench\` (\`scripts/bench.sh\`) on $(date -u '+%Y-%m-%d %H:%M UTC'); every run overwrites this file."
    echo "Figures and ratios against the bounds of issue 14, never a pass or fail. Wall times are GNU time's"
    echo "elapsed seconds and peak RSS its maximum resident set of the measured process (for PostgreSQL,"
    echo "the server's own processes are not counted). The run took $((elapsed / 60)) min $((elapsed % 60)) s."
    echo
    echo "## Machine"
    echo
    echo "| | |"
    echo "|---|---|"
    echo "| date | $(date -u '+%Y-%m-%d %H:%M UTC') |"
    echo "| CPUs (\`nproc\`) | $(nproc) |"
    echo "| memory | $(awk '/^MemTotal/ { printf "%.1f GB", $2 * 1024 / 1e9 }' /proc/meminfo) |"
    echo "| CPU | $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1) |"
    echo "| kernel | $(uname -sr) |"
    echo "| load average (1, 5, 15 min) | $load_at_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end (the machine is shared) |"
    echo "| Swift | $swift_version |"
    echo "| SQLite | $(sqlite3 --version | cut -d' ' -f1) (the sqlite3 shell; the library: libsqlite3-0 $(dpkg-query -W -f='${Version}' libsqlite3-0 2>/dev/null || echo '?')) |"
    echo "| PostgreSQL | $pg_version (a throwaway cluster from scripts/pgtest.sh: fsync off, on a Unix socket) |"
    echo "| hledger | $(hledger --version | head -1) |"
    echo "| git commit | $commit |"
    echo
    echo "## Sizes"
    echo
    echo "A generated chain (\`countinghouse sample --stores $stores --skus $skus --lines-per-day $lines_per_day --start $start --days $generated_days\`):"
    echo "$stores stores, $skus SKUs, about $lines_per_day POS lines a day. The ledger holds the first days; the next day is"
    echo "ingested before \`stock\`, and the day after is the nightly run's. Timezone America/New_York; the"
    echo "clock (COUNTINGHOUSE_NOW) is fixed: the morning after the ledger's last day, and so on."
    echo
    echo "| | SQLite | PostgreSQL |"
    echo "|---|---|---|"
    echo "| days in the ledger | $sqlite_days ($(cell span SQLite)) | $( [[ -n $pg_url ]] && echo "$pg_days ($(cell span PostgreSQL))" || echo —) |"
    echo "| the ledger built by | ${built[SQLite]:-—} | ${built[PostgreSQL]:-—} |"
    echo "| files ingested | ${rows_of[files|SQLite]:-—} | ${rows_of[files|PostgreSQL]:-—} |"
    for table in $(printf '%s\n' "${!all_tables[@]}" | sort); do
        echo "| rows in \`$table\` | $(thousands "${rows_of[$table|SQLite]:-0}") | $( [[ -n ${rows_of[$table|PostgreSQL]:-} ]] && thousands "${rows_of[$table|PostgreSQL]}" || echo —) |"
    done
    echo "| size | ${rows_of[size|SQLite]:-—} | ${rows_of[size|PostgreSQL]:-—} |"
    echo
    echo "## Figures"
    echo
    echo "Wall seconds (the process's CPU seconds, user + system, in brackets) and peak RSS (MB = 10⁶ bytes) unless"
    echo "said otherwise; the months: $first_month and the ledger's last (SQLite: ${last_month_of[SQLite]:-—}, PostgreSQL: ${last_month_of[PostgreSQL]:-—})."
    echo
    echo "| figure | SQLite | PostgreSQL | bound / target | ratio |"
    echo "|---|---|---|---|---|"
    if [[ -n $micro_file ]]; then
        row "ingest of $(thousands "$micro_rows") generated \`pos_lines\` (countinghouse-bench), rows/s" ingest \
            "≥ 0.5 × the bulk loader into a table with only the natural key" "ingest / keyed loader: $(per_engine ingest-ratio)"
        row "the bulk loader (\`sqlite3 .import\`, \`psql \\copy\`) of the same file into a table with only the natural key (order_id, line_no)" keyed "—" "—"
        echo "| countinghouse-bench's own ratio: ingest / the bulk loader into a bare table (no key) | | | ≥ 0.5 | $(per_engine bare-ratio) |"
    fi
    row "\`report --period\`, the first month" month-first "peak RSS ≤ 500 MB" "—"
    row "\`report --period\`, the last month" month-last "first / last within 20 % (0.80–1.20); peak RSS ≤ 500 MB" "first / last: $(per_engine month-ratio)"
    row "\`hledger bal -p <last month>\` over the whole span's \`journal.ledger\`" hledger "hledger / our last month's report ≥ 10" "$(per_engine hledger-ratio)"
    row "the last month's \`report.xlsx\` deflated and nothing else (\`scripts/deflate-floor.sh\`: its parts through \`gzip -6\`, zlib's default level, which libxlsxwriter writes them at)" deflate "a floor under any report that writes this workbook with libxlsxwriter" "hledger / this floor (the most any such report could reach against ≥ 10): $(per_engine deflate-ratio)"
    row "\`report --from $start --to <last day>\` (the whole span)" year-report "peak RSS ≤ 500 MB" "—"
    row "\`verify\`" verify "peak RSS ≤ 500 MB" "—"
    row "the cost cache rebuilt from nothing (\`cost_cache_state\` cleared, then \`stock\`)" cache-rebuild "—" "—"
    row "\`ingest\` of one more day" extra-ingest "—" "—"
    row "\`stock\` after it (the cache refreshed for that day)" stock-after "—" "—"
    row "the nightly \`run\` of the day after" nightly-run "—" "—"
    row "its phases (\`runs show 1\`, phases_ms), shares of the run's time" phases "—" "—"
    echo
    if [[ ${#failures[@]} -gt 0 ]]; then
        echo "Commands that failed (their figures are not comparable):"
        echo
        printf -- '- %s\n' "${failures[@]}"
        echo
    fi
    if [[ -f $micro_log ]]; then
        echo "### countinghouse-bench"
        echo
        echo "Its output, verbatim (ingest against the bulk loader into a bare table, costing, reconciliation):"
        echo
        echo '```'
        cat "$micro_log"
        echo '```'
        echo
    fi
    if [[ -f $nightly_section ]]; then
        cat "$nightly_section"
        echo
    fi
    if [[ -f $partition_section ]]; then
        cat "$partition_section"
        echo
    fi
    echo "## How to reproduce"
    echo
    echo '```sh'
    echo "make deps && make bench"
    echo "BENCH_DAYS=$sqlite_days BENCH_PG_DAYS=$pg_days BENCH_STORES=$stores BENCH_SKUS=$skus BENCH_LINES_PER_DAY=$lines_per_day$(env | sed -n 's/^\(COUNTINGHOUSE_BENCH_[A-Z_]*=.*\)/ \1/p' | sort | tr -d '\n') make bench   # the sizes above"
    echo '```'
    echo
    echo "\`make bench\` builds the release binaries and runs \`scripts/bench.sh\` under \`scripts/pgtest.sh\` (a throwaway"
    echo "PostgreSQL server). Knobs: \`BENCH_DAYS\` (days in the ledger, default 365), \`BENCH_PG_DAYS\` (the PostgreSQL"
    echo "ledger's, default \`BENCH_DAYS\`), \`BENCH_STORES\`, \`BENCH_SKUS\`, \`BENCH_LINES_PER_DAY\`, \`BENCH_WORK\` (the work"
    echo "directory, default \`bench-data/year\`, git-ignored: the generated days, the SQLite ledger and a \`pg_dump\` of"
    echo "the PostgreSQL ledger are kept there and reused; delete them to build again), \`BENCH_SKIP_MICRO=1\`"
    echo "(without countinghouse-bench, whose own sizes are \`COUNTINGHOUSE_BENCH_ROWS\`, \`…_EVENTS\`, \`…_TENDERS\`),"
    echo "\`BENCH_NIGHTLY_LINES\`, \`BENCH_NIGHTLY_HISTORY\`, \`BENCH_NIGHTLY_STORES\`, \`BENCH_NIGHTLY_SKUS\` (the nightly run at"
    echo "scale, \`scripts/bench-nightly.sh\`; \`BENCH_NIGHTLY_LINES=0\` leaves it out), \`BENCH_PARTITION_DAYS\` (the"
    echo "plain and partitioned PostgreSQL ledgers of \`scripts/bench-partitions.sh\`, default \`BENCH_PG_DAYS\`; 0 leaves it out)."
    echo "The first run with given sizes generates the days and builds both ledgers (how long that took is under"
    echo "*Sizes*); later runs copy the SQLite ledger and restore the PostgreSQL one. Each measured command's output"
    echo "and its \`COUNTINGHOUSE_TIMINGS\` phase lines are in \`<BENCH_WORK>/logs/\`."
    echo "The figures are never a pass or fail: a bound not met is a finding, not a broken build."
} >"$output"

echo "bench: wrote $output ($((elapsed / 60)) min $((elapsed % 60)) s)" >&2
if [[ ${#failures[@]} -gt 0 ]]; then
    printf 'bench: failed: %s\n' "${failures[@]}" >&2
    exit 1
fi
