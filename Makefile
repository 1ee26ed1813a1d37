# firma: see README.md. Every target that needs Debian packages installs
# the missing ones first (scripts/deps.sh; as root, or prints the command).

GO      ?= go
BIN     := bin/firma
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: all build deps test test-race test-short demo bench lint staticcheck fuzz clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/firma

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

clean:
	rm -rf bin .demo .bench
