# The whole test suite: `make test` (installs the Debian packages the real-server
# tests need when run as root, then vets, lints and runs every test with -race).

GO          ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
BENCHSTAT   := golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
# Debian packages the real-server tests use: MariaDB, PostgreSQL, OpenSSH,
# Info-ZIP, 7-Zip, the sqlite3 shell (as an oracle), the zstd tool,
# qemu-user-static to run the arm64 tests (`portable`) and Chromium (the
# status page's test drives it headless).
DEB_PACKAGES := mariadb-server mariadb-client postgresql postgresql-client openssh-server openssh-client \
                zip unzip p7zip-full sqlite3 zstd qemu-user-static chromium
# A count, not a duration: a -fuzztime duration can end in a spurious
# "context deadline exceeded" (go.dev/issue/75804, fixed in Go 1.27 only).
FUZZTIME    ?= 200000x
BENCHTIME   ?= 1s
BENCHCOUNT  ?= 6

.PHONY: test deps vet lint unit portable fuzz-short fuzz bench benchstat quickstart

test: deps vet lint unit portable fuzz-short

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

# A few seconds of each fuzz target (the seeds always run in `unit`).
# Go's fuzz coordinator counts executions when a worker reports back. While a
# worker minimizes a new interesting input (up to -fuzzminimizetime, 60s by
# default, for each such input; no new fuzzing is handed out meanwhile) the
# lines repeat the same count at "0/sec", sometimes for minutes; the line
# printed before the targets says so, so that the pause does not pass for a hang.
fuzz-short:
	@echo "fuzz: lines at 0/sec mean a worker is minimizing a new input (up to a minute each), not a hang; each target ends with PASS"
	@$(GO) list -f '{{.ImportPath}} {{.Dir}}' ./... | while read pkg dir; do \
	  for f in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | sed 's/func //'); do \
	    echo "fuzz $$pkg $$f for $(FUZZTIME): builds, replays the seed corpus, then fuzzes"; \
	    $(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

fuzz:
	$(MAKE) fuzz-short FUZZTIME=20000000x

# Benchmarks on real input; compare runs with `make benchstat OLD=a.txt NEW=b.txt`.
bench:
	$(GO) test -run='^$$' -bench=. -benchmem -benchtime=$(BENCHTIME) -count=$(BENCHCOUNT) ./... | tee bench.txt

benchstat:
	$(GO) run $(BENCHSTAT) $(OLD) $(NEW)

quickstart:
	$(GO) run ./examples/quickstart
