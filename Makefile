# firma: see README.md. Every target that needs Debian packages installs
# the missing ones first (scripts/deps.sh; as root, or prints the command).

GO      ?= go
BIN     := bin/firma
# The version, commit and date firma version prints: from git, the date
# being the commit's time, so that a build depends on the commit only.
VERSION ?= $(shell scripts/version.sh)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct HEAD 2>/dev/null || echo 0)
export VERSION COMMIT SOURCE_DATE_EPOCH
BUILD_DATE := $(shell date -u -d @$(SOURCE_DATE_EPOCH) +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(BUILD_DATE)

.PHONY: all build deps test test-race test-short demo bench lint staticcheck fuzz clean \
	deps-dist deps-arm64 man completions deb release test-repro test-deb

all: build

build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/firma

deps:
	@scripts/deps.sh

# The whole suite, then the whole suite again under the race detector,
# then the unit tests of a build without cgo (which must still compile and
# say what it lacks).
test: deps lint
	$(GO) test -count=1 ./...
	$(GO) test -race -count=1 ./...
	CGO_ENABLED=0 $(GO) test -short -count=1 ./...

# The race detector runs on every package, not only those that start
# goroutines: the one race found so far sat in a dependency, reached from
# parallel tests and batch signing, and the whole suite under -race takes
# about two minutes on two cores.
test-race: deps
	$(GO) test -race -count=1 ./...

# Unit tests only, without cgo: no SoftHSM, no pcscd, no system packages.
test-short:
	CGO_ENABLED=0 $(GO) test -short ./...

demo: deps build
	@scripts/demo.sh

bench: deps build
	@scripts/bench.sh

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# staticcheck, pinned (fetched through the Go module proxy; not part of
# make test so that the suite needs no extra download).
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
staticcheck:
	$(GO) run $(STATICCHECK) ./...

# Run each fuzz target for FUZZTIME (default 30s).
FUZZTIME ?= 30s
fuzz:
	@scripts/fuzz.sh $(FUZZTIME)

# Packages (scripts/dist.sh). None of these is part of make test: they
# build with Debian's packaging tools, and test-deb makes a Debian system.
deps-dist:
	@scripts/deps.sh dist

# The arm64 cross toolchain and libpcsclite-dev:arm64 (adds dpkg's arm64
# architecture), for make release; qemu-user-static runs the result.
deps-arm64:
	@scripts/deps.sh arm64

# Man pages (dist/build/docs/man) and bash/zsh/fish completions
# (dist/build/docs/completions), generated from the cobra commands.
man completions:
	@scripts/dist.sh docs

# dist/firma_VERSION_amd64.deb, checked by lintian.
deb: deps-dist
	@scripts/dist.sh deb

# dist/: the .deb, a .tar.gz (binary, man pages, completions), the static
# verify-only build (CGO_ENABLED=0), for amd64 and, with the cross
# toolchain, arm64; dist/SHA256SUMS.
release: deps-dist
	@scripts/dist.sh release

# Two builds of the commit, in two folders with two build caches: the
# binaries, the .deb and the tarballs must be byte-identical.
test-repro: deps-dist
	@scripts/test-repro.sh

# The .deb on a Debian 12 made from nothing with debootstrap: install,
# firma --version, man firma-sign, bash completion, remove and purge.
test-deb: deb
	@scripts/test-deb.sh

clean:
	rm -rf bin .demo .bench dist
