//go:build !unix

package repofile

const nonblock = 0
