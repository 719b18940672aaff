// Package images owns image automation: finding image references in YAML manifests
// (workload containers, the images: entries of kustomization files, and any field
// bound to a policy by a marker comment), the policies that choose a tag (semver
// ranges, regex with extract, glob; Flux v1 workload annotations and the images:
// section of .gitops.yaml), reading tag lists from
// registries (paginated, rate limited per host, 429/Retry-After aware, cached in memory
// and on disk; credentials from docker configs, pull secrets and, through
// PlatformKeychain, the cloud identity the process runs with), and rewriting only the
// bytes of a tag in the YAML so comments, order, quoting and layout are kept.
//
// Ordering never needs a manifest per tag: a scan reads tag lists only. A policy with a
// minimum release age costs a few requests for the chosen tag only.
//
// The flow is Scan (files → []Image) → Checker.Check (registries → []Result) →
// Updates → Rewrite (files → new bytes). Release sets a given tag on chosen workloads.
// The plugin's image commands and the bot share the rest from here too: ScanSource (an
// opened pkg/source and its rules), RegistrySettings with the flags that set them,
// ApplyAndCommit (write, then commit and push through pkg/source's repository), and
// the reports with their text and JSON. It never imports pkg/cmd, pkg/githubapp or
// cmd/, and knows nothing of GitHub.
package images
