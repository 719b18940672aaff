// Package images holds the `kubectl gitops images` commands (list, update): their
// flags and what they print. Scanning a source, policies, registries, rewriting,
// committing and the reports live in pkg/images; this package never holds that logic.
package images
