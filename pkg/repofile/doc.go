// Package repofile reads the files of a repository, which anyone who opens a pull
// request controls: only regular files, only inside the repository's root (a symbolic
// link may not lead out of it), and never more bytes than a limit, per file and in all.
// A link to /dev/zero, a named pipe, a device or a socket, or a sparse file of a
// terabyte is an error naming the file, not a hung or exhausted process.
//
// It owns the checks and the counting; it knows nothing of what the files mean. It never
// writes.
package repofile
