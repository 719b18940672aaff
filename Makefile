# kubectl-gitops
#   make demo   build the plugin, start a local control plane, plan + apply examples/demo
#   make test   every test, end-to-end ones included (builds the control plane once, ≈15-25 min cold)
#   make bench  plan/apply benchmark against kubectl on the local control plane
#   make fuzz   every fuzz target in turn for FUZZTIME (docs/testing.md)
#   make docs   regenerate the flag tables of docs/commands/*.md from the commands

GO          ?= go
BIN         := bin/kubectl-gitops
GOTAGS      := kustomize_disable_go_plugin_support
LDFLAGS     := -s -w -X github.com/kubectl-gitops/kubectl-gitops/pkg/cmd.Version=$(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
TEST_FLAGS  ?= -timeout 45m

.PHONY: build demo test testcluster unit vet tidy-check fuzz bench clean

build:
	CGO_ENABLED=0 $(GO) build -tags $(GOTAGS) -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/kubectl-gitops

testcluster:
	@hack/testcluster-build.sh >/dev/null

demo: build testcluster
	hack/demo.sh

vet:
	$(GO) vet ./...

# go.mod and go.sum must be exactly what `go mod tidy` makes of them.
tidy-check:
	@$(GO) mod tidy -diff >/dev/null || { echo 'go.mod/go.sum are not tidy: run go mod tidy' >&2; $(GO) mod tidy -diff; exit 1; }

test: testcluster tidy-check
	$(GO) vet ./...
	GITOPS_TESTCLUSTER_BIN=$$(hack/testcluster-build.sh) $(GO) test $(TEST_FLAGS) ./...

unit:
	$(GO) test -short ./pkg/...

# Every Fuzz* target of FUZZ_PKGS in turn, each for FUZZTIME; a crasher is written to the
# package's testdata/fuzz/ and stops the run.
FUZZTIME  ?= 30s
FUZZ_PKGS ?= ./pkg/manifest ./pkg/images ./pkg/githubapp ./pkg/registryevent
fuzz:
	@set -e; for pkg in $(FUZZ_PKGS); do \
	  for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$target ($(FUZZTIME))"; \
	    $(GO) test $$pkg -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s; \
	  done; \
	done

# The flag tables of docs/commands/*.md (the prose around them is written by hand);
# pkg/cmd's TestCommandDocs fails when one is out of date.
.PHONY: docs
docs:
	$(GO) run ./hack/docs

clean:
	rm -rf bin dist .demo

-include bench/Makefile.inc
