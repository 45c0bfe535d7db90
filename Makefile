# jsorc — see README.md. `make run` opens jsorc; `make test` runs every test.
GO       ?= go
BIN      := bin/jsorc
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)
PKGS     := ./...
STATICCHECK ?= v0.8.2

.PHONY: build run test test-short bench lint fmt clean

build: $(BIN)

$(BIN): $(shell find . -name '*.go' -not -path './bin/*') go.mod go.sum
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) .

# The main job: the operations console on an in-process engine on the
# embedded default (local backend, built-in modules configured, data in the
# user's data directory), serving its API on loopback beside it.
run: build
	./$(BIN) console

# Every test, with the race detector. Tests that need the jsorc binary
# build it themselves.
test: build
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

test-short:
	$(GO) test -short -count=1 $(PKGS)

# Speed and size figures (see the closing notes of the issues).
bench: build
	$(GO) test -run '^$$' -bench . -benchmem -count 6 $(PKGS) | tee bench.txt

# Each line fails the target when its check finds something.
lint:
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then \
		echo "gofmt: these files need formatting (make fmt):"; echo "$$unformatted"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK) $(PKGS)

fmt:
	gofmt -w .

clean:
	rm -rf bin bench.txt
