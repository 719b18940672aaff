package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
)

// buildPlugin builds ./cmd/kubectl-gitops of the module this command runs in, as the
// release is built (no Go plugin loader, static, stripped), into dir.
func buildPlugin(ctx context.Context, dir string) (string, error) {
	return goBuild(ctx, dir, "./cmd/kubectl-gitops", "kubectl-gitops",
		"-tags", "kustomize_disable_go_plugin_support", "-trimpath", "-ldflags", "-s -w")
}

// goBuild builds the package pkg of the module this command runs in into dir/name,
// statically.
func goBuild(ctx context.Context, dir, pkg, name string, flags ...string) (string, error) {
	gomod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	bin := filepath.Join(dir, name)
	cmd := exec.CommandContext(ctx, "go", append(append([]string{"build"}, flags...), "-o", bin, pkg)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build %s in %s: %w\n%s", pkg, root, err, stderr.String())
	}
	return bin, nil
}

func serverVersion(cfg *rest.Config) string {
	d, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return "?"
	}
	v, err := d.ServerVersion()
	if err != nil {
		return "?"
	}
	return v.GitVersion
}

func kubectlVersion(ctx context.Context, k *kubectl) string {
	r, err := k.p.run(ctx, nil, k.bin, "version", "--client", "-o", "json")
	if err != nil || r.code != 0 {
		return "?"
	}
	var v struct {
		ClientVersion struct {
			GitVersion string `json:"gitVersion"`
		} `json:"clientVersion"`
	}
	if json.Unmarshal(r.stdout, &v) != nil {
		return "?"
	}
	return v.ClientVersion.GitVersion
}

// loadAvg is the 1-minute load average: the machine may be shared.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}
