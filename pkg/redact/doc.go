// Package redact removes Secret values from text before it leaves the program: errors,
// plan problems, log lines and commit status descriptions. A Redactor learns the values
// while manifests are loaded (every value of every Secret, every secretGenerator input)
// and replaces each of them, raw and in the encodings messages quote them in (base64,
// JSON and Go string escapes, one line of a multi-line value), by Mask.
// It owns the masking only; it never reads manifests or files itself.
package redact
