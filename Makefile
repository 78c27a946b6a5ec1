# Countinghouse — common tasks. `make help` lists them.
#
#   make deps    Debian packages the build, the tests and the demo need (installs them as root,
#                else prints the sudo command and fails)
#   make build   release build of the `countinghouse` executable
#   make test    swift test, with a throwaway PostgreSQL server for the store tests
#   make demo    replays sample-data/ (two months, day by day, as it was learned) into a fresh
#                SQLite ledger under out/demo/ and shows what the ledger holds
#   make sample  regenerates sample-data/ from the generator's defaults (commit the result)
#   make bench   the benchmarks (print figures, never fail on time)

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

SWIFT ?= swift
# Extra flags for every swift build/run/test, e.g. SWIFTPM_FLAGS="--scratch-path .build-other".
SWIFTPM_FLAGS ?=
DEB_PACKAGES := libsqlite3-dev libpq-dev libxlsxwriter-dev postgresql sqlite3 hledger libreoffice-calc-nogui poppler-utils
RELEASE_BIN = $(shell $(SWIFT) build -c release $(SWIFTPM_FLAGS) --show-bin-path)/countinghouse
DEMO_DIR := out/demo
# The demo's clock: the morning after the last delivery, so its output does not depend on today.
DEMO_NOW := 2026-12-01T12:00:00Z
# October is closed the morning after its last delivery.
DEMO_CLOSE_NOW := 2026-11-01T12:00:00Z
DEMO_ENV_AT_CLOSE = COUNTINGHOUSE_DATABASE="$(DEMO_DIR)/ledger.sqlite" COUNTINGHOUSE_CONFIG=jobs/countinghouse.toml \
    COUNTINGHOUSE_NOW=$(DEMO_CLOSE_NOW)
DEMO_ENV = COUNTINGHOUSE_DATABASE="$(DEMO_DIR)/ledger.sqlite" COUNTINGHOUSE_CONFIG=jobs/countinghouse.toml \
    COUNTINGHOUSE_NOW=$(DEMO_NOW)

.PHONY: help deps build test demo sample bench

help:
	@sed -n '3,11p' Makefile | sed 's/^# \{0,1\}//'

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

test: deps
	scripts/pgtest.sh run -- $(SWIFT) test $(SWIFTPM_FLAGS)

demo: deps build
	rm -rf $(DEMO_DIR)
	mkdir -p $(DEMO_DIR)/inbox-october $(DEMO_DIR)/inbox-november
	cp -R sample-data/2026-10-* $(DEMO_DIR)/inbox-october/
	cp -R sample-data/2026-11-* $(DEMO_DIR)/inbox-november/
	@echo "== A new ledger (only init creates one)"
	$(DEMO_ENV_AT_CLOSE) "$(RELEASE_BIN)" init
	@echo "== October's deliveries, day by day as they were learnt; October closes on the morning of November 1"
	COUNTINGHOUSE_BIN="$(RELEASE_BIN)" COUNTINGHOUSE_DATABASE="$(DEMO_DIR)/ledger.sqlite" \
	    COUNTINGHOUSE_CONFIG=jobs/countinghouse.toml COUNTINGHOUSE_NOW=$(DEMO_CLOSE_NOW) jobs/nightly.sh $(DEMO_DIR)/inbox-october > $(DEMO_DIR)/nightly-october.log
	COUNTINGHOUSE_BIN="$(RELEASE_BIN)" $(DEMO_ENV_AT_CLOSE) jobs/close-month.sh --period 2026-10 --reports $(DEMO_DIR)/reports-at-close
	@echo
	@echo "== November's deliveries (October's card settlements among them arrive late)"
	COUNTINGHOUSE_BIN="$(RELEASE_BIN)" COUNTINGHOUSE_DATABASE="$(DEMO_DIR)/ledger.sqlite" \
	    COUNTINGHOUSE_CONFIG=jobs/countinghouse.toml COUNTINGHOUSE_NOW=$(DEMO_NOW) jobs/nightly.sh $(DEMO_DIR)/inbox-november > $(DEMO_DIR)/nightly-november.log
	@echo
	@echo "== The seasonal candle at S02: sold from an empty shelf on 2026-10-20, its receipt arrived three days late"
	$(DEMO_ENV) "$(RELEASE_BIN)" stock --sku HOM-1040 --location S02 --as-of 2026-10-21 --as-known-at 2026-10-22
	$(DEMO_ENV) "$(RELEASE_BIN)" trail --sku HOM-1040 --location S02
	@echo
	@echo "== Reports as known now: October is closed (posted figures, byte for byte, and its drift); November carries the prior-period adjustments"
	$(DEMO_ENV) "$(RELEASE_BIN)" report --period 2026-10 --out $(DEMO_DIR)/reports/2026-10
	cmp $(DEMO_DIR)/reports/2026-10/journal.csv $(DEMO_DIR)/reports-at-close/2026-10/journal.csv
	$(DEMO_ENV) "$(RELEASE_BIN)" report --period 2026-11 --out $(DEMO_DIR)/reports/2026-11
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
	@echo "ledger: $(DEMO_DIR)/ledger.sqlite (COUNTINGHOUSE_DATABASE=$(DEMO_DIR)/ledger.sqlite to explore it)"
	@echo "reports: $(DEMO_DIR)/reports/2026-10/ and $(DEMO_DIR)/reports/2026-11/ (journal.csv, trial_balance.csv, journal.ledger, cogs.csv, valuation.csv, drift.csv, reconciliation.csv, rollforward.csv, payments.csv, report.xlsx, run.json)"
	@echo "workbooks (open them in Excel or LibreOffice): $(DEMO_DIR)/reports/2026-11/report.xlsx (November as known now) and $(DEMO_DIR)/reports-at-close/2026-10/report.xlsx (October as closed)"
	@echo "card money: $(DEMO_DIR)/reconciled/2026-10/ and $(DEMO_DIR)/reconciled/2026-11/ (reconciliation.csv, rollforward.csv, payments.csv); one order's story: countinghouse payment S01-100075"

sample:
	$(SWIFT) run $(SWIFTPM_FLAGS) countinghouse sample --out sample-data --replace

bench: deps
	$(SWIFT) build -c release $(SWIFTPM_FLAGS) --product countinghouse-bench
	scripts/pgtest.sh run -- "$$($(SWIFT) build -c release $(SWIFTPM_FLAGS) --show-bin-path)/countinghouse-bench"
