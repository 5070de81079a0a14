# The whole test suite: `make test` (installs the Debian packages the real-server
# tests need when run as root, then vets, lints and runs every test with -race).

GO          ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
BENCHSTAT   := golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
GOVULNCHECK := golang.org/x/vuln/cmd/govulncheck@v1.9.0
# The vulnerability database is built from a pinned snapshot of
# golang.org/x/vulndb (fetched from the module proxy, like a module), so that
# the scan works without vuln.go.dev and gives the same answer every day;
# VULNDB=https://vuln.go.dev uses the live one.
VULNDB_MOD  := golang.org/x/vulndb@v0.0.0-20261105234957-e22db6528018
VULNDB      ?= file://$(shell $(GO) env GOCACHE)/dumpline-vulndb-e22db6528018
# govulncheck checks the standard library of the Go that runs it: Go 1.26.8
# has 9 findings (net/http, crypto/tls, crypto/x509, mime/multipart, os on
# Windows) fixed in 1.26.9 and 1.26.10; with go1.27.3 nothing is found.
# Release binaries must be built with that toolchain (GOTOOLCHAIN=go1.27.3).
VULN_GOTOOLCHAIN ?= go1.27.3
# Debian packages the real-server tests use: MariaDB, PostgreSQL, OpenSSH,
# Info-ZIP, 7-Zip, the sqlite3 shell (as an oracle), the zstd tool,
# qemu-user-static to run the arm64 tests (`portable`) and Chromium (the
# status page's test drives it headless).
DEB_PACKAGES := mariadb-server mariadb-client postgresql postgresql-client openssh-server openssh-client \
                zip unzip p7zip-full sqlite3 zstd qemu-user-static chromium
# A count, not a duration: a -fuzztime duration can end in a spurious
# "context deadline exceeded" (go.dev/issue/75804, fixed in Go 1.27 only).
# Empty: each target's count from FUZZ_COUNTS (see fuzz-short).
FUZZTIME    ?=
BENCHTIME   ?= 1s
BENCHCOUNT  ?= 6

.PHONY: test deps vet lint vulncheck vulndb unit portable fuzz-short fuzz bench benchstat quickstart

test: deps vet lint vulncheck unit portable fuzz-short

# Installs the missing Debian packages when run as root; otherwise only says
# what is missing (the tests then fail, since `make test` runs them with CI=true).
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "deps: all Debian packages present"; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "deps: installing$$missing"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	else echo "deps: missing$$missing (run 'make deps' as root)"; fi

vet:
	$(GO) vet ./...

lint:
	$(GO) run $(STATICCHECK) ./...

vulncheck: vulndb
	GOTOOLCHAIN=$(VULN_GOTOOLCHAIN) $(GO) run $(GOVULNCHECK) -db $(VULNDB) ./...

# Builds the local database of VULNDB (once) with the snapshot's own indexdb.
vulndb:
	@case "$(VULNDB)" in file://*) ;; *) exit 0;; esac; \
	out="$(patsubst file://%,%,$(VULNDB))"; \
	if [ ! -f "$$out/index/db.json" ]; then \
	  dir=$$($(GO) mod download -json $(VULNDB_MOD) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p'); \
	  echo "vulndb: building $$out from $(VULNDB_MOD)"; \
	  rm -rf "$$out.tmp" && (cd "$$dir" && $(GO) run ./cmd/indexdb -vulns data/osv -out "$$out.tmp") && mv "$$out.tmp" "$$out"; \
	fi

# Every test, real servers included: CI=true turns a missing server into a failure.
unit:
	CI=true $(GO) test -race -count=1 -timeout 30m ./...

# The paths that do not use assembly: every package builds for arm64; the
# packages with assembly (sqlparse, archive) and the root package pass their
# tests with -tags purego here, and as arm64 binaries under qemu-user (the
# real-server tests skip there: `unit` runs them natively).
PORTABLE_PKGS := ./sqlparse ./archive .
portable:
	GOARCH=arm64 $(GO) build ./...
	GOARCH=arm64 $(GO) vet $(PORTABLE_PKGS)
	env -u CI $(GO) test -count=1 -tags purego $(PORTABLE_PKGS)
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	for p in $(PORTABLE_PKGS); do \
	  GOARCH=arm64 $(GO) test -c -o "$$tmp/arm64.test" $$p; \
	  echo "portable: $$p, arm64 test binary under qemu-aarch64-static"; \
	  (cd $$p && env -u CI qemu-aarch64-static "$$tmp/arm64.test" -test.count=1) || exit 1; \
	done

# Each fuzz target for a count of executions, TARGET:SHORT:LONG in
# FUZZ_COUNTS (FUZZ_SHORT for a target not listed): SHORT, a few seconds, in
# `make test` (the seeds always run in `unit`); LONG, with `make fuzz`, what
# one worker ran in about ten minutes on 2 shared AMD EPYC cores (see the
# README's Testing section). FUZZTIME, when set, is used for every target.
# Go's fuzz coordinator counts executions when a worker reports back. While a
# worker minimizes a new interesting input (up to -fuzzminimizetime, 2s here, for
# each such input; no new fuzzing is handed out meanwhile) the
# lines repeat the same count at "0/sec", sometimes for minutes; the line
# printed before the targets says so, so that the pause does not pass for a hang.
FUZZ_SHORT  := 200000
FUZZ_LEVEL  ?= short
FUZZ_COUNTS := FuzzSplit:200000:1200000 FuzzRows:200000:900000 FuzzCheck:200000:800000 \
               FuzzSkipRows:200000:550000 FuzzExtract:200000:5800000 FuzzParseNames:200000:30000000 \
               FuzzSCP:200000:5400000 FuzzMySQLToSQLite:10000:370000 \
               FuzzPostgresToSQLite:10000:700000
fuzz-short:
	@echo "fuzz: lines at 0/sec mean a worker is minimizing a new input (up to 2s each, -fuzzminimizetime), not a hang; each target ends with PASS"
	@$(GO) list -f '{{.ImportPath}} {{.Dir}}' ./... | while read pkg dir; do \
	  for f in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | sed 's/func //'); do \
	    n=$(FUZZTIME); \
	    if [ -z "$$n" ]; then \
	      n=$$(for c in $(FUZZ_COUNTS); do case $$c in $$f:*) echo $$c;; esac; done | \
	        awk -F: -v lvl=$(FUZZ_LEVEL) -v def=$(FUZZ_SHORT) 'END { if (NR == 0) print def; else if (lvl == "long") print $$3; else print $$2 }')x; \
	    fi; \
	    echo "fuzz $$pkg $$f for $$n: builds, replays the seed corpus, then fuzzes"; \
	    $(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$$n -timeout 0 -fuzzminimizetime 2s $$pkg || exit 1; \
	  done; \
	done

fuzz:
	$(MAKE) fuzz-short FUZZ_LEVEL=long

# Benchmarks on real input; compare runs with `make benchstat OLD=a.txt NEW=b.txt`.
bench:
	$(GO) test -run='^$$' -bench=. -benchmem -benchtime=$(BENCHTIME) -count=$(BENCHCOUNT) ./... | tee bench.txt

benchstat:
	$(GO) run $(BENCHSTAT) $(OLD) $(NEW)

quickstart:
	$(GO) run ./examples/quickstart
