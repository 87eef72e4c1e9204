# Runway: `make run` starts the demo, `make test` runs every test.
# Both install what they need on a fresh machine: libchdb (embedded
# ClickHouse, from npm) into a cache folder, and, when running as root,
# Debian's clickhouse-server, prometheus, prometheus-alertmanager,
# chromium and systemd packages for the tests.

SHELL := /bin/bash
GO ?= go
CHDB_VERSION := 26.7.3-stable.1
CHDB_NPM := @chdb/lib-linux-x64-gnu@$(CHDB_VERSION)
RUNWAY_CACHE_DIR ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/runway
CHDB_LIB := $(RUNWAY_CACHE_DIR)/chdb/$(CHDB_VERSION)/libchdb.so
# An explicit CHDB_LIB_PATH wins; otherwise use (and fetch) the cached copy.
CHDB_LIB_PATH ?= $(CHDB_LIB)
export CHDB_LIB_PATH
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
TEST_TIMEOUT ?= 12m

.PHONY: all build run test vet fmt-check deps libchdb bench fuzz clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o runway ./cmd/runway

## run: the demo: a simulated Jira org collected into the embedded store.
run: libchdb build
	./runway demo

## test: everything, against real ClickHouse (embedded 26.7 and server 18.16);
## -count=1 because the servers the tests start are invisible to the test cache.
test: deps libchdb fmt-check vet
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./...

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

## deps: Debian packages the tests need: the ClickHouse server (and its
## client, the bench's ingest baseline), Prometheus
## and Alertmanager they start, headless Chromium for the overview page,
## systemd-analyze for the unit file, gcc for -race (cgo), npm to fetch libchdb.
deps:
	@missing=""; \
	command -v clickhouse-server >/dev/null 2>&1 || [ -x /usr/sbin/clickhouse-server ] || missing="$$missing clickhouse-server"; \
	command -v clickhouse-client >/dev/null 2>&1 || missing="$$missing clickhouse-client"; \
	command -v promtool >/dev/null 2>&1 || missing="$$missing prometheus"; \
	command -v prometheus-alertmanager >/dev/null 2>&1 || command -v amtool >/dev/null 2>&1 || missing="$$missing prometheus-alertmanager"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v systemd-analyze >/dev/null 2>&1 || missing="$$missing systemd"; \
	command -v gcc >/dev/null 2>&1 || missing="$$missing gcc"; \
	command -v npm >/dev/null 2>&1 || [ -f "$(CHDB_LIB_PATH)" ] || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing Debian packages:$$missing (run as root or: sudo apt-get install$$missing)"; exit 1; \
	  fi; \
	fi

## libchdb: fetch the embedded ClickHouse library unless CHDB_LIB_PATH has one.
libchdb:
	@if [ -f "$(CHDB_LIB_PATH)" ]; then exit 0; fi; \
	if [ "$(CHDB_LIB_PATH)" != "$(CHDB_LIB)" ]; then echo "CHDB_LIB_PATH=$(CHDB_LIB_PATH) does not exist"; exit 1; fi; \
	echo "fetching $(CHDB_NPM) (about 180 MB) into $(dir $(CHDB_LIB))"; \
	set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	(cd "$$tmp" && npm pack --silent "$(CHDB_NPM)" >/dev/null && tar -xzf *.tgz package/libchdb.so); \
	mkdir -p "$(dir $(CHDB_LIB))"; \
	mv "$$tmp/package/libchdb.so" "$(CHDB_LIB).part" && mv "$(CHDB_LIB).part" "$(CHDB_LIB)"

## bench: `runway bench` (a generated org at BENCH_SCALE, 1 = the full
## 200 boards / 2M issues / 1M tickets; table also in bench.json), then the
## Go benchmarks: insert throughput and report latency on both backends.
BENCH_SCALE ?= 1
bench: deps libchdb build
	./runway bench --scale $(BENCH_SCALE) --json bench.json
	$(GO) test -run '^$$' -bench . -benchtime 1x ./collector/warehouse/... ./api/analytics/ ./collector/jira/ ./collector/github/ ./collector/gitlab/ ./collector/zendesk/

## fuzz: the value binder (no bound string may change a statement), the
## API's query parser (anything is parsed or a 400), the strict config
## loader and Jira's issue decoder and mapper (an error, never a panic).
## Their seeds (and testdata/fuzz) run with every make test.
FUZZ_TIME ?= 60s
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzBind -fuzztime $(FUZZ_TIME) ./collector/warehouse/
	$(GO) test -run '^$$' -fuzz FuzzParseQuery -fuzztime $(FUZZ_TIME) ./api/
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZ_TIME) ./collector/config/
	$(GO) test -run '^$$' -fuzz FuzzDecodeIssue -fuzztime $(FUZZ_TIME) ./collector/jira/

clean:
	rm -f runway
