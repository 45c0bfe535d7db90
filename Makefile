# jsorc — see README.md. `make run` opens jsorc; `make test` runs every test.
GO       ?= go
BIN      := bin/jsorc
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)
PKGS     := ./...
STATICCHECK ?= v0.8.2

.PHONY: build run test test-short bench fuzz fuzz-all lint fmt clean examples

build: $(BIN)

$(BIN): $(shell find . -name '*.go' -not -path './bin/*') go.mod go.sum
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) .

# The main job: the operations console on an in-process engine on the
# embedded default (local backend, built-in modules configured, data in the
# user's data directory), serving its API on loopback beside it.
run: build
	./$(BIN) console

# The example WebAssembly action modules (docs/wasm-abi.md) the tests run:
# textrank (a tokenizer and BM25 ranker) in Go, C and Rust, and the C
# probe module that misbehaves on purpose. Go's toolchain builds the Go one;
# Debian's clang, lld and wasi-libc the C ones; Debian's rustc with
# libstd-rust-dev-wasm32 the Rust one (RUSTC defaults to Debian's, not a
# rustup one that may come first on PATH).
WASM_OUT := examples/wasm/build
RUSTC    ?= /usr/bin/rustc
CLANG    ?= clang
WASM_CFLAGS := --target=wasm32-wasi -mexec-model=reactor -mbulk-memory -ftls-model=local-exec -O2 -Wall -Wextra -Werror
WASM_EXAMPLES := $(WASM_OUT)/textrank-go.wasm $(WASM_OUT)/textrank-c.wasm \
	$(WASM_OUT)/textrank-rust.wasm $(WASM_OUT)/probe-c.wasm $(WASM_OUT)/textrank-go-big.wasm

examples: $(WASM_EXAMPLES)

$(WASM_OUT)/textrank-go.wasm: $(wildcard examples/wasm/go/*.go examples/wasm/go/*/*.go) examples/wasm/go/go.mod
	@mkdir -p $(WASM_OUT)
	cd examples/wasm/go && GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0 $(GO) build -buildmode=c-shared -trimpath -ldflags=-s -o ../build/textrank-go.wasm .

# The same module linked with more of Go's library (big.go): the 5 MB module
# of the cold-load benchmark.
$(WASM_OUT)/textrank-go-big.wasm: $(wildcard examples/wasm/go/*.go examples/wasm/go/*/*.go) examples/wasm/go/go.mod
	@mkdir -p $(WASM_OUT)
	cd examples/wasm/go && GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0 $(GO) build -tags big -buildmode=c-shared -trimpath -ldflags=-s -o ../build/textrank-go-big.wasm .

# The Makefile is a prerequisite too: a change of WASM_CFLAGS must rebuild
# the C modules, not leave an old build standing in for the new flags.
$(WASM_OUT)/%-c.wasm: examples/wasm/c/%.c examples/wasm/c/jsorc.h Makefile
	@mkdir -p $(WASM_OUT)
	$(CLANG) $(WASM_CFLAGS) -o $@ $<

$(WASM_OUT)/textrank-rust.wasm: $(wildcard examples/wasm/rust/*.rs)
	@mkdir -p $(WASM_OUT)
	$(RUSTC) --edition 2021 --target wasm32-wasi --crate-type cdylib -O -C strip=symbols -o $@ examples/wasm/rust/textrank.rs

# Every test, with the race detector. Tests that need the jsorc binary
# build it themselves; those that run WebAssembly modules use the examples.
test: build examples
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

test-short:
	$(GO) test -short -count=1 $(PKGS)

# Speed and size figures (see the closing notes of the issues), then the
# policy testbed's short mode (docs/policies.md; JSORC_TESTBED=long for the
# long one, JSORC_TESTBED_OUT=DIR to keep its JSON and plots), then the
# runs of hundreds of modules (200 local servers; 1,000 on the kube test
# cluster when JSORC_TEST_KUBECONFIG is set, else skipped), and issue 14's
# figures beside their targets.
bench: build examples
	$(GO) test -run '^$$' -bench . -benchmem -count 6 $(PKGS) | tee bench.txt
	$(GO) test -tags testbed -run '^TestPolicyTestbed$$' -v -count 1 -timeout 90m ./internal/testbed | tee -a bench.txt
	JSORC_BENCH_SCALE=1 $(GO) test -run '^$$' -bench 'Benchmark(Local200|Kube1000)Modules$$' -benchtime 1x -count 1 -timeout 60m ./engine/backend/local ./engine/backend/kube | tee -a bench.txt
	@awk -f .ci/bench-figures.awk bench.txt

# Fuzz targets, PACKAGE:FuzzName; each one's seed corpus (testdata/fuzz/)
# runs with every `make test`. `make fuzz` fuzzes FUZZ_TARGETS for FUZZTIME
# each, and CI runs it: their test binaries build in seconds. The
# FUZZ_K8S_TARGETS link client-go (the CLI wires the kube backend); their
# instrumented build takes minutes on a cold machine, so only `make
# fuzz-all` fuzzes them.
#
# FUZZTIME is a count of inputs (Nx), not a duration: Go 1.26's fuzzing
# coordinator can report "context deadline exceeded" as a failure when a
# duration ends while a starved worker is mid-input (golang/go#75804, fixed
# in Go 1.27), which failed CI on a loaded machine with no input found. A
# count has no deadline to race; 5000 inputs take 1-4 s per target here.
FUZZTIME ?= 5000x
FUZZ_TARGETS := \
	./internal/cliargs:FuzzParse \
	./themes:FuzzParse \
	./engine/services:FuzzParseDefinitions \
	./engine/actions:FuzzActionArgs ./engine/actions:FuzzSynthParams \
	./engine/protocol:FuzzActionServer ./engine/protocol:FuzzFrameServer ./engine/wasm:FuzzInstrumentLoops ./engine/wasm:FuzzDecodeJSON \
	./engine:FuzzParseActionConfigs ./engine:FuzzParseApps ./engine:FuzzParseMeta \
	./api:FuzzAPIParams ./api:FuzzRequestHeaders
FUZZ_K8S_TARGETS := ./cli:FuzzCommandLine

# A failure leaves its input in the package's testdata/fuzz/ (commit it with
# the fix: it becomes a regression test).
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$pkg $$name ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

fuzz-all:
	@$(MAKE) --no-print-directory fuzz FUZZ_TARGETS="$(FUZZ_TARGETS) $(FUZZ_K8S_TARGETS)"

# Each line fails the target when its check finds something.
lint:
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then \
		echo "gofmt: these files need formatting (make fmt):"; echo "$$unformatted"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK) $(PKGS)

fmt:
	gofmt -w .

clean:
	rm -rf bin bench.txt $(WASM_OUT)
