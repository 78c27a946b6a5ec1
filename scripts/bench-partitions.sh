#!/usr/bin/env bash
# PostgreSQL ledgers partitioned by month of recorded_at against plain ones (issue 14 §3), called by
# scripts/bench.sh or on its own: the same generated days ingested into a plain and a partitioned
# ledger (one `ingest` per day, each known the evening of its day, then VACUUM ANALYZE), then on
# each: one more day's ingest (and which tables it wrote), a month's report as known at the end of
# the first month and as known now, `verify`, the rows known at an early time read by SQL, and the ledger's size. Writes
# a markdown section (to standard output); progress on stderr. Figures, never a pass or fail.
#
#   scripts/bench-partitions.sh BIN DAYS_DIR CONFIG PG_URL WORK [DAYS]
#
# DAYS: how many of the generated days to ingest before the measured one (default: all but the
# last). The ledgers are schemas bench_plain_<DAYS> and bench_partitioned_<DAYS> of PG_URL's
# database, built afresh each run (the measured day's ingest changes them) and left there.
set -euo pipefail

die() { echo "bench-partitions: $*" >&2; exit 1; }

bin=${1:?the countinghouse binary}
days_dir=${2:?the generated days}
config=${3:?the configuration file}
pg_url=${4:?a PostgreSQL URL}
work=${5:?the work directory}
mapfile -t all_days < <(cd "$days_dir" && ls -d ????-??-?? | sort)
((${#all_days[@]} >= 2)) || die "$days_dir holds fewer than two days"
days=${6:-$((${#all_days[@]} - 1))}
[[ $days =~ ^[1-9][0-9]*$ ]] && ((days < ${#all_days[@]})) || die "DAYS must be 1 to $((${#all_days[@]} - 1)), not '$days'"

logs=$work/logs
mkdir -p "$logs"
export COUNTINGHOUSE_CONFIG=$config
unset COUNTINGHOUSE_DATABASE COUNTINGHOUSE_POSTGRES_LAYOUT

seconds_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
with_path() { echo "$pg_url$([[ $pg_url == *\?* ]] && echo '&' || echo '?')options=-csearch_path%3D$1"; }
sql() { psql -X -q -tA -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }

first_day=${all_days[0]}
measured_day=${all_days[$days]}
first_month=${first_day:0:7}
last_month=${all_days[$((days - 1))]:0:7}
# The last second of the first month; "now" is the morning after the measured day (the clock of
# every command: the reports as known now give the same bytes on both ledgers).
early=$(date -u -d "$first_month-01 + 1 month - 1 second" +%FT%TZ)
export COUNTINGHOUSE_NOW=$(date -u -d "$measured_day + 1 day" +%F)T06:00:00Z

declare -A figure
for layout in plain partitioned; do
    schema=bench_${layout}_$days
    url=$(with_path "$schema")
    echo "bench-partitions: ingesting $days days into a $layout PostgreSQL ledger (schema $schema)" >&2
    sql "$pg_url" "DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema"
    began=$(date +%s.%N)
    COUNTINGHOUSE_POSTGRES_LAYOUT=$layout "$bin" init --database "$url" >/dev/null
    for ((i = 0; i < days; i++)); do
        "$bin" ingest --database "$url" --recorded-at "${all_days[$i]}T23:00:00Z" "$days_dir/${all_days[$i]}"/*.csv \
            >/dev/null 2>>"$logs/partitions-build.err" \
            || die "ingest of ${all_days[$i]} into $schema failed ($logs/partitions-build.err)"
    done
    "$bin" stock --database "$url" >/dev/null
    figure[build|$layout]="$(seconds_since "$began") s"
    # As after any bulk load: vacuumed and analysed, so that autovacuum catching up with the new
    # tables does not run beside the measurements (it ran on the partitions and key tables).
    echo "SELECT format('VACUUM (ANALYZE) %I.%I', '$schema', c.relname) FROM pg_class c
        WHERE c.relnamespace = '$schema'::regnamespace AND c.relkind IN ('r', 'p') \gexec" | psql -X -q -d "$pg_url" >/dev/null

    run() {   # key, then the command: wall seconds and peak RSS
        local key=$1
        shift
        /usr/bin/time -f '%e %M' -o "$logs/partitions-$key-$layout.time" "$@" >"$logs/partitions-$key-$layout.out" \
            2>"$logs/partitions-$key-$layout.err" || die "$key on $layout failed ($logs/partitions-$key-$layout.err)"
        read -r wall rss < <(tail -1 "$logs/partitions-$key-$layout.time")
        figure[$key|$layout]="$wall s, $((rss / 1024)) MB"
        echo "bench-partitions: $key $layout ${figure[$key|$layout]}" >&2
    }

    inserted() {
        sql "$url" "SELECT relname || '=' || n_tup_ins FROM pg_stat_user_tables WHERE schemaname = '$schema' ORDER BY relname"
    }
    inserts_before=$(inserted)
    run ingest "$bin" ingest --database "$url" --recorded-at "${measured_day}T23:00:00Z" "$days_dir/$measured_day"/*.csv
    sleep 1
    # The tables the ingest inserted into, but the bookkeeping every ingest writes (files, anchors).
    written=$(comm -13 <(echo "$inserts_before") <(inserted) | sed 's/=.*//' | { grep -v '^files$\|^file_anchors$' || true; })
    figure[written|$layout]=$(echo "$written" | paste -sd, - | sed 's/,/, /g')
    run report-early "$bin" report --database "$url" --period "$first_month" --as-known-at "$early" --out "$work/partitions-early-$layout"
    run report-last "$bin" report --database "$url" --period "$last_month" --out "$work/partitions-last-$layout"
    run verify "$bin" verify --database "$url"
    read_early=$(psql -X -q -tA -d "$url" -c "EXPLAIN (ANALYZE, FORMAT TEXT) SELECT count(*) FROM ledger_pos_lines WHERE recorded_at <= $(date -u -d "$early" +%s)000000000" \
        | sed -n 's/^Execution Time: \(.*\) ms$/\1/p')
    scanned=$(psql -X -q -tA -d "$url" -c "EXPLAIN SELECT count(*) FROM ledger_pos_lines WHERE recorded_at <= $(date -u -d "$early" +%s)000000000" \
        | grep -cE 'Scan (on|using)' || true)
    figure[read-early|$layout]="$read_early ms ($scanned $([[ $scanned == 1 ]] && echo table || echo tables) scanned)"
    size=$(sql "$url" "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c WHERE c.relnamespace = '$schema'::regnamespace AND c.relkind = 'r' AND c.relname LIKE 'ledger\_%'")
    figure[size|$layout]="$((size / 1024 / 1024)) MB"
    rows=$(sql "$url" "SELECT count(*) FROM ledger_pos_lines")
    figure[rows|$layout]=$rows
    sha=$(cd "$work/partitions-last-$layout" && sha256sum $(ls | grep -v run.json) | sha256sum | cut -c1-16)
    figure[sha|$layout]=$sha
done

row() { printf '| %s | %s | %s |\n' "$1" "${figure[$2|plain]}" "${figure[$2|partitioned]}"; }
echo "## PostgreSQL partitioned by month of recorded_at"
echo
echo "The same $days generated days (from $first_day; ${figure[rows|plain]} POS lines after the measured day) in a plain"
echo "ledger and in one created with \`COUNTINGHOUSE_POSTGRES_LAYOUT=partitioned\` (\`scripts/bench-partitions.sh\`). One"
echo "\`ingest\` per day, each known the evening of its day, and \`VACUUM ANALYZE\`; then on each ledger: the next day's ingest ($measured_day),"
echo "the first month's report as known at $early, the last month's ($last_month) as known now, \`verify\`, and the"
echo "rows known at $early read by SQL (\`EXPLAIN ANALYZE SELECT count(*) … WHERE recorded_at <= …\`)."
echo
echo "| | plain | partitioned by month |"
echo "|---|---|---|"
row "building the ledger (one ingest per day)" build
row "the next day's \`ingest\`" ingest
row "ledger tables it inserted into" written
row "report of $first_month as known at $early" report-early
row "report of $last_month as known now" report-last
row "\`verify\`" verify
row "rows known at $early, by SQL" read-early
row "ledger tables with their indexes" size
row "the last month's report (sha256 of its files but run.json, which names the ledger)" sha
echo
