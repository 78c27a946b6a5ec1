#!/usr/bin/env bash
# The nightly run's benchmark: one day's `countinghouse run` on a ledger already holding a
# generated year of a 10-store chain (400 SKUs, ~2,000 POS lines a day, the processors' files),
# SQLite. Prints the run's wall time and peak RSS (GNU time) and each phase's share (the run's own
# record). Figures, never a pass or fail.
#
#   scripts/bench-nightly.sh [WORKDIR]      (default: bench-data/nightly; the year is kept there and
#                                            reused by later runs)
set -euo pipefail
work=${1:-bench-data/nightly}
bin=$(swift build -c release --show-bin-path)/countinghouse
[[ -x $bin ]] || { echo "bench-nightly: build first (swift build -c release)" >&2; exit 2; }
mkdir -p "$work"
config=$work/countinghouse.toml
printf 'timezone = "America/New_York"\n' >"$config"
export COUNTINGHOUSE_CONFIG=$config
if [[ ! -f $work/year.sqlite ]]; then
    echo "bench-nightly: generating 366 days and ingesting the first 365 (once; a few minutes)" >&2
    rm -rf "$work/days" "$work"/building.sqlite*
    "$bin" sample --out "$work/days" --stores 10 --skus 400 --days 366 --lines-per-day 2000 --start 2026-01-01 >/dev/null
    export COUNTINGHOUSE_DATABASE=$work/building.sqlite COUNTINGHOUSE_NOW=2027-01-01T05:20:00Z
    "$bin" init >/dev/null
    for day in "$work"/days/2026-*/; do "$bin" ingest --recorded-at 2027-01-01T05:00:00Z "$day"*.csv >/dev/null; done
    "$bin" stock >/dev/null   # the cost cache, as the nightly runs of the year would have left it
    unset COUNTINGHOUSE_NOW
    # Only a whole year is kept (an interrupted build starts again).
    mv "$work/building.sqlite" "$work/year.sqlite"
fi
rm -rf "$work/inbox" "$work/outbox" "$work"/ledger.sqlite*
cp "$work/year.sqlite" "$work/ledger.sqlite"
mkdir -p "$work/inbox"
cp "$work"/days/2027-01-01/* "$work/inbox/"
export COUNTINGHOUSE_DATABASE=$work/ledger.sqlite COUNTINGHOUSE_NOW=2027-01-02T06:00:00Z
/usr/bin/time -f "nightly run for 2027-01-01 on a year of a 10-store chain (SQLite): %e s wall, %U s user, %S s system, peak RSS %M kB" \
    "$bin" run --inbox "$work/inbox" --outbox "$work/outbox" --date 2027-01-01 2>&1 >/dev/null | grep -v 'countinghouse.run'
"$bin" runs show 1 | awk '/"phases_ms"/ { print "phases (ms): " substr($0, index($0, "{")) }'
