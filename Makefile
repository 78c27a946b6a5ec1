# Countinghouse — common tasks. `make help` lists them.
#
#   make deps    Debian packages the build, the tests and the demo need (installs them as root,
#                else prints the sudo command and fails)
#   make build   release build of the `countinghouse` executable
#   make test    swift test, with a throwaway PostgreSQL server for the store tests (twice: the second
#                time every PostgreSQL ledger partitioned by month)
#   make demo    runs the nightly job over every day of sample-data/ (two months, each day known
#                the next morning, October closed on the way) on a fresh SQLite ledger under
#                out/demo/, and says where the workbooks are
#   make sample  regenerates sample-data/ from the generator's defaults (commit the result)
#   make bench   the benchmarks on SQLite and PostgreSQL (a throwaway server): rewrites BENCHMARKS.md
#                with figures and ratios, never fails on time (scripts/bench.sh: BENCH_DAYS, BENCH_WORK…)
#   make fuzz    libFuzzer (with AddressSanitizer) over the CSV reader, the field parsers, the
#                validator and the Stripe, Adyen and Square readers, FUZZ_SECONDS (60) each, on a
#                copy of Tests/Fuzz/; fails on a crash, a hang or a broken property (findings and
#                logs in out/fuzz/)

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

SWIFT ?= swift
# Extra flags for every swift build/run/test, e.g. SWIFTPM_FLAGS="--scratch-path .build-other".
SWIFTPM_FLAGS ?=
DEB_PACKAGES := libsqlite3-dev libpq-dev libxlsxwriter-dev postgresql sqlite3 hledger libreoffice-calc-nogui poppler-utils time unzip
RELEASE_BIN = $(shell $(SWIFT) build -c release $(SWIFTPM_FLAGS) --show-bin-path)/countinghouse
DEMO_DIR := out/demo
# The demo's clock: the morning after the last delivery, so its output does not depend on today.
DEMO_NOW := 2026-12-01T12:00:00Z
DEMO_ENV = COUNTINGHOUSE_DATABASE="$(DEMO_DIR)/ledger.sqlite" COUNTINGHOUSE_CONFIG=jobs/countinghouse.toml \
    COUNTINGHOUSE_NOW=$(DEMO_NOW)

.PHONY: help deps build test demo sample bench fuzz

help:
	@sed -n '3,16p' Makefile | sed 's/^# \{0,1\}//'

deps:
	@missing=(); \
	for package in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' "$$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$$package"); \
	done; \
	if [[ $${#missing[@]} -eq 0 ]]; then echo "deps: all installed ($(DEB_PACKAGES))"; exit 0; fi; \
	if [[ $$(id -u) -ne 0 ]]; then \
	    echo "deps: missing Debian packages: $${missing[*]}" >&2; \
	    echo "deps: install them with:  sudo apt-get install -y $${missing[*]}" >&2; \
	    exit 1; \
	fi; \
	echo "deps: installing $${missing[*]}"; \
	if ! apt-cache show "$${missing[@]}" >/dev/null 2>&1; then apt-get update; fi; \
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$${missing[@]}"

build:
	$(SWIFT) build -c release $(SWIFTPM_FLAGS)

# The suite twice: PostgreSQL ledgers as init creates them, then partitioned by month (every PostgreSQL
# ledger a test creates, COUNTINGHOUSE_POSTGRES_LAYOUT=partitioned; MonthPartitions.swift).
test: deps
	scripts/pgtest.sh run -- $(SWIFT) test $(SWIFTPM_FLAGS)
	COUNTINGHOUSE_POSTGRES_LAYOUT=partitioned scripts/pgtest.sh run -- $(SWIFT) test --skip-build $(SWIFTPM_FLAGS)

demo: deps build
	rm -rf $(DEMO_DIR)
	mkdir -p $(DEMO_DIR)
	@echo "== A new ledger (only init creates one)"
	$(DEMO_ENV) "$(RELEASE_BIN)" init
	@echo "== Every day of sample-data/ through the nightly run, each known the next morning; October closes on the morning of November 1"
	COUNTINGHOUSE_BIN="$(RELEASE_BIN)" COUNTINGHOUSE_DATABASE="$(DEMO_DIR)/ledger.sqlite" COUNTINGHOUSE_CONFIG=jobs/countinghouse.toml \
	    jobs/replay.sh --inbox $(DEMO_DIR)/inbox --outbox $(DEMO_DIR)/outbox --close 2026-10 sample-data > $(DEMO_DIR)/nightly.log 2>&1 \
	    || { tail -20 $(DEMO_DIR)/nightly.log; exit 1; }
	grep -c '^run ' $(DEMO_DIR)/nightly.log | sed 's/^/nightly runs: /'
	$(DEMO_ENV) "$(RELEASE_BIN)" runs | tail -3
	@echo
	@echo "== The seasonal candle at S02: sold from an empty shelf on 2026-10-20, its receipt arrived three days late"
	$(DEMO_ENV) "$(RELEASE_BIN)" stock --sku HOM-1040 --location S02 --as-of 2026-10-21 --as-known-at 2026-10-22
	$(DEMO_ENV) "$(RELEASE_BIN)" trail --sku HOM-1040 --location S02
	@echo
	@echo "== Reports as known now: October is closed (posted figures, byte for byte, and its drift); November carries the prior-period adjustments"
	$(DEMO_ENV) "$(RELEASE_BIN)" report --period 2026-10 --out $(DEMO_DIR)/reports/2026-10
	cmp $(DEMO_DIR)/reports/2026-10/journal.csv $(DEMO_DIR)/outbox/closed/2026-10/journal.csv
	$(DEMO_ENV) "$(RELEASE_BIN)" report --period 2026-11 --out $(DEMO_DIR)/reports/2026-11
	cmp $(DEMO_DIR)/reports/2026-11/journal.csv $(DEMO_DIR)/outbox/2026-11-30/period-to-date/journal.csv
	grep -c '^ADJUST:' $(DEMO_DIR)/reports/2026-11/journal.csv | sed 's/^/prior-period adjustment lines in November: /'
	hledger -f $(DEMO_DIR)/reports/2026-11/journal.ledger check -s
	hledger -f $(DEMO_DIR)/reports/2026-11/journal.ledger bal --flat --no-total Assets:1200
	@echo
	@echo "== Card money, month by month: Stripe (S01, S02), Adyen (S03), Square (pop-up P01); October as known at its close"
	$(DEMO_ENV) "$(RELEASE_BIN)" reconcile --period 2026-10 --out $(DEMO_DIR)/reconciled/2026-10
	$(DEMO_ENV) "$(RELEASE_BIN)" reconcile --period 2026-11 --out $(DEMO_DIR)/reconciled/2026-11
	@echo
	$(DEMO_ENV) "$(RELEASE_BIN)" verify
	@echo
	@echo "ledger: $(DEMO_DIR)/ledger.sqlite (COUNTINGHOUSE_DATABASE=$(DEMO_DIR)/ledger.sqlite to explore it; countinghouse runs lists the nightly runs)"
	@echo "nightly outbox: $(DEMO_DIR)/outbox/DATE/day/ and period-to-date/ (journal.csv, trial_balance.csv, journal.ledger, cogs.csv, valuation.csv, reconciliation.csv, rollforward.csv, payments.csv, report.xlsx, run.json); inbox: $(DEMO_DIR)/inbox/processed/DATE/"
	@echo "card money: $(DEMO_DIR)/reconciled/2026-10/ and $(DEMO_DIR)/reconciled/2026-11/; one order's story: countinghouse payment S01-100075"
	@echo "the last workbook: $(DEMO_DIR)/outbox/2026-11-30/period-to-date/report.xlsx (November to date, as known on the morning of December 1)"
	@echo "October's closed workbook: $(DEMO_DIR)/outbox/closed/2026-10/report.xlsx"

sample:
	$(SWIFT) run $(SWIFTPM_FLAGS) countinghouse sample --out sample-data --replace

bench: deps
	$(SWIFT) build -c release $(SWIFTPM_FLAGS)
	BENCH_BIN_DIR="$$($(SWIFT) build -c release $(SWIFTPM_FLAGS) --show-bin-path)" scripts/pgtest.sh run -- scripts/bench.sh

# The fuzz harness (Sources/countinghouse-fuzz) exists only in a manifest read with COUNTINGHOUSE_FUZZ=1
# and links only with -sanitize=fuzzer, so it has a scratch path of its own. -enable-testing: the
# harness reaches the reader's internals with @testable import. A run's corpus is a copy (what the
# fuzzer adds does not land in Tests/Fuzz/); a finding is written to out/fuzz/<target>-crash-…
FUZZ_TARGETS ?= csv fields validate stripe adyen square
FUZZ_SECONDS ?= 60
FUZZ_MAX_LEN ?= 4096
FUZZ_SANITIZERS ?= fuzzer,address
FUZZ_FLAGS ?=
FUZZ_OUT := out/fuzz
FUZZ_BUILD = COUNTINGHOUSE_FUZZ=1 $(SWIFT) build -c release --scratch-path .build-fuzz --product countinghouse-fuzz \
    -Xswiftc -sanitize=$(FUZZ_SANITIZERS) -Xswiftc -enable-testing

fuzz:
	$(FUZZ_BUILD)
	@mkdir -p $(FUZZ_OUT); \
	binary="$$($(FUZZ_BUILD) --show-bin-path)/countinghouse-fuzz"; \
	work=$$(mktemp -d); trap 'rm -rf "$$work"' EXIT; \
	failed=(); \
	for target in $(FUZZ_TARGETS); do \
	    mkdir -p "$$work/$$target"; cp Tests/Fuzz/$$target/* "$$work/$$target/"; \
	    echo "== fuzz $$target: $(FUZZ_SECONDS) s"; \
	    if COUNTINGHOUSE_FUZZ_TARGET=$$target SWIFT_BACKTRACE=enable=no "$$binary" -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_MAX_LEN) \
	        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=$(FUZZ_OUT)/$$target- $(FUZZ_FLAGS) \
	        "$$work/$$target" > $(FUZZ_OUT)/$$target.log 2>&1; then \
	        { grep -E '^#[0-9]+[[:space:]]+DONE' $(FUZZ_OUT)/$$target.log || true; } | tail -1; \
	        { grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' $(FUZZ_OUT)/$$target.log || true; } \
	            | tr '\n' ' '; echo; \
	    else \
	        failed+=("$$target"); tail -40 $(FUZZ_OUT)/$$target.log; \
	    fi; \
	done; \
	if [[ $${#failed[@]} -gt 0 ]]; then echo "fuzz: findings in $${failed[*]} (inputs and logs in $(FUZZ_OUT)/)" >&2; exit 1; fi; \
	echo "fuzz: no findings ($(FUZZ_TARGETS))"
