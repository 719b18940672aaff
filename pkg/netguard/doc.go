// Package netguard closes the network paths a program takes without asking: Go's
// default HTTP transport, which any library uses when it makes an http.Client without a
// Transport (Kustomize's file loader does, for every http(s):// path a kustomization or
// a plugin config names), and the transport protocols of git processes that inherit this
// process's environment (Kustomize's remote bases run `git fetch`).
//
// Close closes both, once, for the whole process: the binaries call it first thing, and
// pkg/manifest before every render, so no program that can render a repository can be
// made to fetch a URL by one.
// Code that talks to a network on purpose (GitHub, registries, git remotes, notification
// sinks) builds its client from Transport, and starts the processes it means to run with
// Environ.
//
// It owns http.DefaultTransport and the GIT_ALLOW_PROTOCOL variable of this process, and
// nothing else: it never dials, and never reads a request's body.
package netguard
