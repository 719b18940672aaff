package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/engine"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/bot"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
)

// Defaults of image automation's triggers.
const (
	defaultAutomationInterval = 5 * time.Minute
	defaultLeaseName          = "kubectl-gitops-bot-automation"
	defaultLeaseNamespace     = "kubectl-gitops"
	serviceAccountNamespace   = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"
)

// AutomationOptions are the settings of image automation's triggers.
type AutomationOptions struct {
	AutomationInterval time.Duration
	LeaderElect        bool
	LeaseNamespace     string
	LeaseName          string
	// Registry says how registries are asked; the bot takes a subset of the plugin's
	// flags (no cluster pull secrets, no on-disk cache: one scan shares its tag lists).
	Registry images.RegistrySettings
}

func (o *AutomationOptions) addFlags(fs *pflag.FlagSet) {
	fs.DurationVar(&o.AutomationInterval, "automation-interval", defaultAutomationInterval, "how often every repository with automated images is scanned and bumped (one replica, the leader, scans); 0 turns the periodic scan off (registry events and pushes still bump)")
	fs.BoolVar(&o.LeaderElect, "leader-elect", true, "run the periodic scan only while holding a Lease (several replicas); false: this replica always scans (run one replica only)")
	fs.StringVar(&o.LeaseNamespace, "leader-elect-resource-namespace", "", "namespace of the scan's Lease (default: the pod's namespace, else "+defaultLeaseNamespace+")")
	fs.StringVar(&o.LeaseName, "leader-elect-resource-name", defaultLeaseName, "name of the scan's Lease")
	o.Registry = images.NewRegistrySettings()
	o.Registry.PrivateHosts = nil                   // none unless the operator names them
	o.Registry.PlainHTTPOnlyForInsecureHosts = true // loopback included
	images.AddRegistryFlags(fs, &o.Registry)
}

func (o *AutomationOptions) validate() error {
	if o.AutomationInterval < 0 {
		return errors.New("--automation-interval must not be negative (0 turns the scan off)")
	}
	if o.LeaseName == "" {
		return errors.New("--leader-elect-resource-name must not be empty")
	}
	return o.Registry.Validate()
}

// newBumpScheduler is the triggers' brain over the bot's queue (push; background for
// the index build), driving the GitHubBumper.
func (o *Options) newBumpScheduler(app *githubapp.App, metrics *bot.Metrics, push, background func(bot.Job) error) (*bot.BumpScheduler, error) {
	reg, err := o.Registry.NewRegistry(o.log)
	if err != nil {
		return nil, err
	}
	return bot.NewBumpScheduler(bot.BumpSchedulerConfig{
		Bumper:      o.newBumper(app, metrics),
		Registry:    reg,
		Repos:       func(ctx context.Context) ([]bot.RepoRef, error) { return bot.ListInstalledRepos(ctx, app) },
		Push:        push,
		Background:  background,
		Concurrency: o.Workers,
		BumpOnPush:  true, // a moved default branch: bump branches rebased, contained bumps closed, at once
		IndexFile:   o.indexFile(),
		GitCache:    o.gitCache,
		Log:         o.log,
		Metrics:     bot.NewSchedulerMetrics(metrics.Registry),
	})
}

// indexFile is where the image index is kept between restarts: beside the git
// cache's repositories, the one directory the operator gives the bot to keep; without
// --git-cache-dir the index lives in memory only (a restart reads every repository).
func (o *Options) indexFile() string {
	if o.GitCacheDir == "" {
		return ""
	}
	return filepath.Join(o.GitCacheDir, bot.IndexFileName)
}

// elector decides which replica runs the periodic scan: a Lease in the cluster the
// bot runs in (in-cluster config), else in the current context of --kubeconfig; with
// neither, or --leader-elect=false, this replica scans alone.
func (o *Options) elector() bot.Elector {
	if !o.LeaderElect {
		return bot.AlwaysLeader{}
	}
	cfg, err := rest.InClusterConfig()
	if err != nil && o.Kubeconfig != "" {
		cfg, err = clientcmd.BuildConfigFromFlags("", o.Kubeconfig)
	}
	if err != nil {
		o.log.Warn("image automation: no cluster for leader election (not in a pod, no --kubeconfig): this replica runs the periodic scan; run one replica only, or give the bot a cluster", "error", err)
		return bot.AlwaysLeader{}
	}
	client, err := kubernetes.NewForConfig(engine.OwnTransport(cfg))
	if err != nil {
		o.log.Warn("image automation: no client for leader election: this replica runs the periodic scan", "error", err)
		return bot.AlwaysLeader{}
	}
	ns := o.LeaseNamespace
	if ns == "" {
		ns = defaultLeaseNamespace
		if b, err := os.ReadFile(serviceAccountNamespace); err == nil && strings.TrimSpace(string(b)) != "" {
			ns = strings.TrimSpace(string(b))
		}
	}
	return &bot.LeaderElection{Client: client, Namespace: ns, Name: o.LeaseName, Identity: bot.Identity(), Log: o.log}
}

// runBumpScheduler builds the index and runs the periodic scan under leader election
// until ctx ends (then the lease is released); the channel closes when it is done.
func (o *Options) runBumpScheduler(ctx context.Context, a *bot.BumpScheduler, el bot.Elector) <-chan struct{} {
	done := make(chan struct{})
	if a == nil {
		close(done)
		return done
	}
	go func() {
		defer close(done)
		a.Run(ctx, o.AutomationInterval, 0, el)
	}()
	return done
}
