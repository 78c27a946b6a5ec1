#!/usr/bin/env bash
# Countinghouse nightly job: yesterday's business day through `countinghouse run`.
#
#   jobs/nightly.sh [--date YYYY-MM-DD] [--strict]
#
# Every file delivered to the inbox is ingested (canonical kinds and the processors' exports) and
# moved to INBOX/processed/DATE/ (or, with its reasons in NAME.error.txt, to INBOX/rejected/DATE/);
# the costs are brought up to date, the card money reconciled, and the day's and the
# period-to-date reports (CSV files, journal.ledger, report.xlsx, run.json) written whole to
# OUTBOX/DATE/. Every run is recorded in the ledger (`countinghouse runs`).
#
# Adapt: the inbox and the outbox come from [run] in countinghouse.toml, or COUNTINGHOUSE_INBOX and
# COUNTINGHOUSE_OUTBOX here; the ledger from COUNTINGHOUSE_DATABASE (or `database` in the
# configuration); COUNTINGHOUSE_CONFIG names the configuration, COUNTINGHOUSE_BIN the executable
# (default: `countinghouse` on PATH). The business date defaults to yesterday in the reporting time
# zone. On PostgreSQL, connect as the writer role of `countinghouse init --roles`, which may only
# read and append (postgresql://books_writer@host/books), never as the ledger's owner.
#
# Exit status: 0 done; 3 done but something needs a person (only with
# --strict: a rejected file, an empty inbox, a day without a run, a reconciliation exception);
# 75 another run holds the ledger (try again later); 69 the ledger unreachable after the retries;
# 1, 73, 77, 78 as for every countinghouse command (nothing half-written); 2 the job could not
# start (usage, missing executable).
set -euo pipefail

program=$(basename "$0")
# The comment above, as the help text: on standard output for --help (exit 0), on standard error
# for a usage mistake (exit 2).
help_text() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
usage() {
    help_text >&2
    exit 2
}

args=(run)
while [[ $# -gt 0 ]]; do
    case $1 in
        --date) [[ $# -ge 2 ]] || usage; args+=(--date "$2"); shift 2 ;;
        --strict) args+=(--strict); shift ;;
        -h | --help) help_text; exit 0 ;;
        *) echo "$program: unknown argument $1" >&2; usage ;;
    esac
done

bin=${COUNTINGHOUSE_BIN:-countinghouse}
command -v "$bin" >/dev/null 2>&1 || { echo "$program: error: cannot run '$bin' (build it with 'make build', or set COUNTINGHOUSE_BIN)" >&2; exit 2; }
if [[ -n ${COUNTINGHOUSE_INBOX:-} ]]; then args+=(--inbox "$COUNTINGHOUSE_INBOX"); fi
if [[ -n ${COUNTINGHOUSE_OUTBOX:-} ]]; then args+=(--outbox "$COUNTINGHOUSE_OUTBOX"); fi
exec "$bin" "${args[@]}"
