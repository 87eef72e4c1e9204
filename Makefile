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

.PHONY: all build run test test-cluster vet fmt-check deps libchdb bench fuzz fuzz-short clean

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
	@$(MAKE) --no-print-directory fuzz-short

## test-cluster: Runway on a real ClickHouse cluster (ZooKeeper and three
## 18.16 servers: two shards, the first with two replicas) answers exactly
## as one server does, and a replica killed while collecting loses nothing.
## Minutes long, so out of make test; CI runs both.
test-cluster: deps libchdb
	$(GO) vet -tags cluster ./cmd/runway/
	$(GO) test -race -count=1 -tags cluster -run '^TestCluster' -timeout 10m ./cmd/runway/

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

## deps: Debian packages the tests need: the ClickHouse server (and its
## client, the bench's ingest baseline), ZooKeeper for the cluster, Prometheus
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
	[ -f /usr/share/java/zookeeper.jar ] || missing="$$missing zookeeper"; \
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

## fuzz: every fuzz target (FUZZ_TARGETS, package:Target; -fuzz takes one
## package and one target per go test) for FUZZ_TIME each: the value binder
## (no bound string may change a statement), the API's query parser
## (anything is parsed or a 400), the strict config loader, the embedded
## engine's Native decoder and each source's payload decoders and mappers
## (a result or an error, never a panic or an allocation the input does not
## pay for). fuzz-short runs each for FUZZ_SHORT_TIME as make test's last
## step. A failure fails either, its input written to the package's
## testdata/fuzz: commit it as a regression seed. The seeds (f.Add and
## testdata/fuzz) run as plain tests with every go test.
FUZZ_TARGETS := \
	collector/warehouse:FuzzBind \
	collector/warehouse:FuzzDecodeNative \
	api:FuzzParseQuery \
	collector/config:FuzzParse \
	collector/jira:FuzzDecodeIssue \
	collector/github:FuzzDecodeGitHub \
	collector/gitlab:FuzzDecodeGitLab \
	collector/zendesk:FuzzDecodeZendesk
FUZZ_TIME ?= 60s
FUZZ_SHORT_TIME ?= 8s
# An input that finds new coverage is minimized in at most this many runs
# (go's default, 60 s of them, spends a short run on a few multi-kilobyte
# inputs).
FUZZ_MINIMIZE ?= 1000x

# run_fuzz runs every target for $(1). go1.26's coordinator can fail a
# run that found nothing with "context deadline exceeded" as its time ends
# (golang/go#75804, fixed in go1.27): that alone, with no failing input
# written and no seed failed, is reported and not counted.
define run_fuzz
	@for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; name=$${t##*:}; log=$$(mktemp); \
	  echo "fuzz $$name ./$$pkg for $(1)"; \
	  $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(1) -fuzzminimizetime $(FUZZ_MINIMIZE) ./$$pkg/ 2>&1 | \
	    tee $$log | grep --line-buffered -v '^fuzz: elapsed'; rc=$${PIPESTATUS[0]}; \
	  grep '^fuzz: elapsed' $$log | tail -1; \
	  if [ $$rc != 0 ]; then \
	    if grep -qx '    context deadline exceeded' $$log && ! grep -q 'Failing input written' $$log && \
	      ! grep -q -- "--- FAIL: $$name/" $$log; then \
	      echo "fuzz $$name: the coordinator's deadline race (golang/go#75804), nothing found: not a failure"; \
	    else rm -f $$log; exit 1; fi; \
	  fi; \
	  rm -f $$log; \
	done
endef

fuzz: libchdb
	$(call run_fuzz,$(FUZZ_TIME))

fuzz-short: libchdb
	$(call run_fuzz,$(FUZZ_SHORT_TIME))

clean:
	rm -f runway
