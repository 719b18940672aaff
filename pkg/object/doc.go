// Package object owns the identity of a Kubernetes object as this tool sees it
// (group, kind, namespace, name) and the annotation and label keys the tool reads
// on objects, so that every other package names objects the same way.
// It never talks to a cluster.
package object
