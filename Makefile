# kubectl-gitops
#   make demo   build the plugin, start a local control plane, plan + apply examples/demo
#   make test   every test, end-to-end ones included (builds the control plane once, ≈15-25 min cold)
#   make bench  plan/apply benchmark against kubectl on the local control plane
#   make fuzz   every fuzz target in turn for FUZZTIME (docs/testing.md)
#   make docs   regenerate the flag tables of docs/commands/*.md from the commands, and
#               docs/images/plan-comment.png (a plan comment in Chromium; needs make test-tools)

GO          ?= go
BIN         := bin/kubectl-gitops
BOT_BIN     := bin/kubectl-gitops-bot
GOTAGS      := kustomize_disable_go_plugin_support
# The release's flags (.goreleaser.yaml): version, commit and commit date of the work tree.
VERSION_PKG := github.com/kubectl-gitops/kubectl-gitops/pkg/version
LDFLAGS     := -s -w -X $(VERSION_PKG).Version=$(shell git describe --tags --always --dirty 2>/dev/null || echo dev) \
               -X $(VERSION_PKG).Commit=$(shell git rev-parse HEAD 2>/dev/null || echo unknown) \
               -X $(VERSION_PKG).Date=$(shell TZ=UTC git log -1 --date=format-local:%Y-%m-%dT%H:%M:%SZ --format=%cd 2>/dev/null || echo unknown)
GOBUILD     := CGO_ENABLED=0 $(GO) build -tags $(GOTAGS) -trimpath -ldflags "$(LDFLAGS)"
TEST_FLAGS  ?= -timeout 45m

.PHONY: build build-bot snapshot demo test testcluster release-tools test-tools unit vet tidy-check fuzz bench clean

build:
	$(GOBUILD) -o $(BIN) ./cmd/kubectl-gitops

build-bot:
	$(GOBUILD) -o $(BOT_BIN) ./cmd/bot

# Every archive of a release into dist/, without publishing (12 builds: slow); the image
# needs a registry, so it is left out here (docs/releasing.md).
snapshot:
	$$(hack/release-tools.sh goreleaser) release --snapshot --clean --skip=ko

testcluster:
	@hack/testcluster-build.sh >/dev/null

# goreleaser and krew's validator for test/release, built once and cached (docs/releasing.md).
release-tools:
	@for t in goreleaser krew validate-krew-manifest; do hack/release-tools.sh $$t >/dev/null; done

# Debian packages the tests need (strace), installed when missing.
test-tools:
	@hack/test-tools.sh

demo: build testcluster
	hack/demo.sh

vet:
	$(GO) vet ./...

# go.mod and go.sum must be exactly what `go mod tidy` makes of them.
tidy-check:
	@$(GO) mod tidy -diff >/dev/null || { echo 'go.mod/go.sum are not tidy: run go mod tidy' >&2; $(GO) mod tidy -diff; exit 1; }

# The packages whose goroutines share state (the bot's queue, the git cache, the GitHub
# clients and their token cache) run again with the race detector (about 1-2 minutes).
RACE_PKGS ?= ./pkg/gitcache ./pkg/githubapp/...

test: testcluster release-tools test-tools tidy-check
	$(GO) vet ./...
	GITOPS_TESTCLUSTER_BIN=$$(hack/testcluster-build.sh) $(GO) test $(TEST_FLAGS) ./...
	$(GO) test -race $(TEST_FLAGS) $(RACE_PKGS)

unit:
	$(GO) test -short ./pkg/...

# Every Fuzz* target of FUZZ_PKGS in turn, each for FUZZTIME; a crasher is written to the
# package's testdata/fuzz/ and stops the run.
FUZZTIME  ?= 30s
FUZZ_PKGS ?= ./pkg/manifest ./pkg/images ./pkg/githubapp/webhook ./pkg/repoconfig ./pkg/registryevent
fuzz:
	@set -e; for pkg in $(FUZZ_PKGS); do \
	  for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$target ($(FUZZTIME))"; \
	    $(GO) test $$pkg -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s; \
	  done; \
	done

# The flag tables of docs/commands/*.md (the prose around them is written by hand), and the
# picture of a plan comment the README shows (TestPlanCommentPicture, in Chromium);
# pkg/cmd's TestCommandDocs fails when one is out of date.
.PHONY: docs
docs:
	$(GO) run ./cmd/kubectl-gitops/docs
	GITOPS_DOCS_IMAGE=$(CURDIR)/docs/images/plan-comment.png $(GO) test ./pkg/plancomment -run '^TestPlanCommentPicture$$' -count=1

clean:
	rm -rf bin dist .demo test-output

-include bench/Makefile.inc
