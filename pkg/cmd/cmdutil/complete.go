package cmdutil

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/metadata"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/inventory"
)

// completionTimeout bounds the requests one <TAB> sends to the cluster.
const completionTimeout = 5 * time.Second

// namespaceFlags are the flags whose values are namespaces of the cluster.
var namespaceFlags = []string{"namespace", "applyset-namespace", "default-namespace", "allow-namespace"}

// fixedChoices are the values of flags that take one of a few words.
var fixedChoices = map[string][]string{
	"color":    {"auto", "always", "never"},
	"progress": {"auto", "bars", "log", "none"},
}

// RegisterCompletions adds shell completion of flag values to every command of root:
// --applyset names (the parents this tool made in the set's namespace), namespaces
// (-n, --applyset-namespace, --default-namespace, --allow-namespace) from the cluster,
// --context, --cluster and --user from the kubeconfig, fixed choices, and directories
// for a SOURCE argument. The kubeconfig flags given on the command line are honoured.
func RegisterCompletions(root *cobra.Command, f *genericclioptions.ConfigFlags) {
	register := func(c *cobra.Command, name string, fn cobra.CompletionFunc) {
		if _, done := c.GetFlagCompletionFunc(name); !done && c.Flag(name) != nil {
			_ = c.RegisterFlagCompletionFunc(name, fn)
		}
	}
	register(root, "context", kubeconfigNames(f, func(c clientcmdapi.Config) []string { return sortedKeys(c.Contexts) }))
	register(root, "cluster", kubeconfigNames(f, func(c clientcmdapi.Config) []string { return sortedKeys(c.Clusters) }))
	register(root, "user", kubeconfigNames(f, func(c clientcmdapi.Config) []string { return sortedKeys(c.AuthInfos) }))
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, name := range namespaceFlags {
			register(c, name, func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
				return withPrefix(namespaces(cmd.Context(), f), toComplete), cobra.ShellCompDirectiveNoFileComp
			})
		}
		register(c, "applyset", func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return withPrefix(applySets(cmd, f), toComplete), cobra.ShellCompDirectiveNoFileComp
		})
		for name, choices := range fixedChoices {
			register(c, name, func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
				return withPrefix(choices, toComplete), cobra.ShellCompDirectiveNoFileComp
			})
		}
		if c.ValidArgsFunction == nil && len(c.ValidArgs) == 0 && strings.Contains(c.Use, "[SOURCE]") {
			c.ValidArgsFunction = func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
				if len(args) > 0 {
					return nil, cobra.ShellCompDirectiveNoFileComp
				}
				return nil, cobra.ShellCompDirectiveFilterDirs
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// withPrefix keeps the candidates that start with what was typed.
func withPrefix(all []string, toComplete string) []cobra.Completion {
	var out []cobra.Completion
	for _, s := range all {
		if strings.HasPrefix(s, toComplete) {
			out = append(out, s)
		}
	}
	return out
}

// kubeconfigNames completes names picked from the kubeconfig the flags name.
func kubeconfigNames(f *genericclioptions.ConfigFlags, pick func(clientcmdapi.Config) []string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		cfg, err := f.ToRawKubeConfigLoader().RawConfig()
		if err != nil {
			cobra.CompDebugln("kubeconfig: "+err.Error(), false)
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return withPrefix(pick(cfg), toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// metadataClient is a metadata-only client of the cluster the kubeconfig flags name.
func metadataClient(f *genericclioptions.ConfigFlags) (metadata.Interface, error) {
	cfg, err := f.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	cfg.UserAgent = "kubectl-gitops"
	return metadata.NewForConfig(cfg)
}

func completionContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithTimeout(ctx, completionTimeout)
}

// namespaces are the names of the cluster's namespaces (none when it cannot be read).
func namespaces(ctx context.Context, f *genericclioptions.ConfigFlags) []string {
	client, err := metadataClient(f)
	if err != nil {
		cobra.CompDebugln("namespaces: "+err.Error(), false)
		return nil
	}
	ctx, cancel := completionContext(ctx)
	defer cancel()
	list, err := client.Resource(schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}).List(ctx, metav1.ListOptions{})
	if err != nil {
		cobra.CompDebugln("namespaces: "+err.Error(), false)
		return nil
	}
	names := make([]string, 0, len(list.Items))
	for _, ns := range list.Items {
		names = append(names, ns.Name)
	}
	slices.Sort(names)
	return names
}

// applySets are the --applyset values of the sets this tool made in the namespace the
// command would use: --applyset-namespace, else -n or the kubeconfig's.
func applySets(cmd *cobra.Command, f *genericclioptions.ConfigFlags) []string {
	ns := ""
	if fl := cmd.Flag("applyset-namespace"); fl != nil {
		ns = fl.Value.String()
	}
	if ns == "" {
		ns, _, _ = f.ToRawKubeConfigLoader().Namespace()
	}
	if ns == "" {
		ns = "default"
	}
	client, err := metadataClient(f)
	if err != nil {
		cobra.CompDebugln("applysets: "+err.Error(), false)
		return nil
	}
	ctx, cancel := completionContext(cmd.Context())
	defer cancel()
	parents, err := inventory.List(ctx, client, ns)
	if err != nil {
		cobra.CompDebugln("applysets: "+err.Error(), false)
		return nil
	}
	names := make([]string, 0, len(parents))
	for _, p := range parents {
		names = append(names, p.Flag())
	}
	return names
}
