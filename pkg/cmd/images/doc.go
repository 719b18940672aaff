// Package images holds the `kubectl gitops images` commands (list, update) and the flag
// groups they share with `kubectl gitops release`: where the manifests are (a directory
// or a git URL), how registries are asked, and how changes are committed and pushed.
//
// The commands are thin: scanning, policies, registries and rewriting live in
// pkg/images, git in pkg/gitrepo, discovery in pkg/manifest.
package images
