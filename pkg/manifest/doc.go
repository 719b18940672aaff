// Package manifest owns turning a source tree into Kubernetes objects: discovery of
// YAML files, Kustomize builds, opt-in command generators (.gitops.yaml), and parsing
// into unstructured objects that remember the file and line they came from.
//
// It knows nothing of clusters, plans or GitHub.
package manifest
