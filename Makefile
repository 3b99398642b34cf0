# stilt-mpi build, test, demo and benchmarks.
GO        ?= go
TAGS      := libsqlite3
VERSION   ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X main.version=$(VERSION)
BIN       := bin/stilt-mpi
export OMPI_ALLOW_RUN_AS_ROOT=1
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# ranks waiting in MPI yield the core (tests and demos oversubscribe 2 cores)
export OMPI_MCA_mpi_yield_when_idle=1
# Shared reference data (read-only); tests skip when absent outside CI.
export STILT_SHARED ?= $(abspath ../shared)

.PHONY: all deps build test vet demo bench clean fuzz

all: build

deps:
	@bash scripts/deps.sh

build:
	@mkdir -p bin
	$(GO) build -tags $(TAGS) -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/stilt-mpi

vet:
	$(GO) vet -tags $(TAGS) ./...

# Bounded fuzzing of the parsers first, then every test (MPI, SLURM,
# netCDF and SQLite are real; tests start and stop what they need).
test: deps build vet
	@FUZZTIME=$${FUZZTIME:-4s} bash scripts/fuzz.sh
	$(GO) test -tags $(TAGS) -count=1 -timeout 60m ./...

fuzz:
	@bash scripts/fuzz.sh

demo: deps build
	@bash scripts/demo.sh

bench: deps build
	@bash scripts/bench.sh

clean:
	rm -rf bin
