# The whole test suite: `make test` (installs the Debian packages the real-server
# tests need when run as root, then vets, lints and runs every test with -race).

GO          ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
BENCHSTAT   := golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
# Debian packages the real-server tests use: MariaDB, PostgreSQL, OpenSSH,
# Info-ZIP, 7-Zip, the sqlite3 shell (as an oracle), the zstd tool and
# Chromium (the status page's test drives it headless).
DEB_PACKAGES := mariadb-server mariadb-client postgresql postgresql-client openssh-server openssh-client \
                zip unzip p7zip-full sqlite3 zstd chromium
# A count, not a duration: a -fuzztime duration can end in a spurious
# "context deadline exceeded" (go.dev/issue/75804, fixed in Go 1.27 only).
FUZZTIME    ?= 200000x
BENCHTIME   ?= 1s
BENCHCOUNT  ?= 6

.PHONY: test deps vet lint unit fuzz-short fuzz bench benchstat quickstart

test: deps vet lint unit fuzz-short

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

# A few seconds of each fuzz target (the seeds always run in `unit`).
fuzz-short:
	@$(GO) list -f '{{.ImportPath}} {{.Dir}}' ./... | while read pkg dir; do \
	  for f in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | sed 's/func //'); do \
	    echo "fuzz $$pkg $$f for $(FUZZTIME)"; \
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
