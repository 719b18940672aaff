//go:build linux

package gitrepo

import (
	"os"
	"syscall"
	"time"

	"github.com/go-git/go-git/v5/plumbing/format/index"
)

// statOf is the stat fields of an index entry for fi (an Lstat), as go-git's
// checkout fills them, and the file's link count; ok is false when fi carries no
// system stat.
func statOf(fi os.FileInfo) (e index.Entry, links uint64, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return e, 0, false
	}
	e.CreatedAt = time.Unix(st.Ctim.Unix())
	e.ModifiedAt = fi.ModTime()
	e.Size = uint32(fi.Size())
	e.Dev, e.Inode, e.UID, e.GID = uint32(st.Dev), uint32(st.Ino), st.Uid, st.Gid
	return e, uint64(st.Nlink), true
}
