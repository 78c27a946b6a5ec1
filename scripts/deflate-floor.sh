#!/usr/bin/env bash
# scripts/deflate-floor.sh WORKBOOK.xlsx… : prints "SECONDS MEGABYTES": the CPU seconds `gzip -6`
# takes to deflate the workbooks' parts (their XML, inflated by unzip beside it and not counted),
# and how many MB (10⁶ bytes) of XML that is.
#
# libxlsxwriter deflates every part of a workbook at zlib's default level, 6 (a workbook and gzip -6
# of its inflated parts come out within 0.2 % of each other's size), so no report that writes the
# same workbook with it can take less time than this: the bench compares it with the bounds on a
# report's and a nightly run's time (BENCHMARKS.md).
set -euo pipefail
[[ $# -gt 0 ]] || { echo "usage: $0 WORKBOOK.xlsx…" >&2; exit 2; }
for tool in unzip gzip /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "deflate-floor: $tool is not installed (make deps)" >&2; exit 1; }
done
clock=$(mktemp)
trap 'rm -f "$clock"' EXIT
seconds=0 bytes=0
for book in "$@"; do
    [[ -f $book ]] || { echo "deflate-floor: no workbook at $book" >&2; exit 1; }
    # gzip's own user + system CPU seconds: unzip runs beside it in the pipe, on its own clock.
    unzip -p "$book" | /usr/bin/time -f '%U %S' -o "$clock" gzip -6 >/dev/null
    seconds=$(awk -v t="$seconds" '{ printf "%.2f", t + $1 + $2 }' "$clock")
    bytes=$((bytes + $(unzip -l "$book" | tail -1 | awk '{ print $1 }')))
done
awk -v s="$seconds" -v b="$bytes" 'BEGIN { printf "%s %.0f\n", s, b / 1e6 }'
