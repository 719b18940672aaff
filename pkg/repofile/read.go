package repofile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
)

// Default limits: one file, and all the files one render reads.
const (
	DefaultMaxFileBytes  = 16 << 20
	DefaultMaxTotalBytes = 256 << 20
)

// Errors a read can wrap (errors.Is).
var (
	ErrOutsideRoot = errors.New("it leads outside the repository (an absolute path, .., or a symbolic link out of it)")
	ErrNotRegular  = errors.New("it is not a regular file")
	ErrTooLarge    = errors.New("it is larger than a repository file may be")
	ErrBudget      = errors.New("the files read so far exceed what one render may read")
)

// Error is a refused or failed read of one file.
type Error struct {
	Name string // slash path relative to the root
	Err  error
}

func (e *Error) Error() string { return fmt.Sprintf("read %s: %v", e.Name, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// Limits bound what reading costs. Zero fields take the defaults; a negative field
// means no bound.
type Limits struct {
	MaxFileBytes  int64 // one file
	MaxTotalBytes int64 // every file read with one Budget
}

func (l Limits) withDefaults() Limits {
	if l.MaxFileBytes == 0 {
		l.MaxFileBytes = DefaultMaxFileBytes
	}
	if l.MaxTotalBytes == 0 {
		l.MaxTotalBytes = DefaultMaxTotalBytes
	}
	return l
}

// Budget counts the bytes read for one render, from any number of goroutines.
type Budget struct {
	limits Limits
	read   atomic.Int64
}

// NewBudget returns a Budget with the limits (zero fields: the defaults).
func NewBudget(l Limits) *Budget { return &Budget{limits: l.withDefaults()} }

// Read is how many bytes were read with b.
func (b *Budget) Read() int64 { return b.read.Load() }

// Limits are b's limits, defaults filled in.
func (b *Budget) Limits() Limits { return b.limits }

// ReadFile reads the regular file name (a slash path relative to dir, the repository's
// root) within b's limits; b may be nil (the default limits, no total).
func ReadFile(dir, name string, b *Budget) ([]byte, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open repository root: %w", err)
	}
	defer root.Close()
	return readIn(root, name, b)
}

// Stat returns the FileInfo of name inside dir, following links that stay inside it.
func Stat(dir, name string) (fs.FileInfo, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open repository root: %w", err)
	}
	defer root.Close()
	fi, err := root.Stat(filepath.FromSlash(clean(name)))
	if err != nil {
		return nil, &Error{Name: name, Err: classify(err)}
	}
	return fi, nil
}

func readIn(root *os.Root, name string, b *Budget) ([]byte, error) {
	if b == nil {
		b = &Budget{limits: Limits{MaxTotalBytes: -1}.withDefaults()}
	}
	rel := filepath.FromSlash(clean(name))
	// Stat first: opening a named pipe for reading would wait for a writer.
	fi, err := root.Stat(rel)
	if err != nil {
		return nil, &Error{Name: name, Err: classify(err)}
	}
	if err := regular(fi, b.limits); err != nil {
		return nil, &Error{Name: name, Err: err}
	}
	f, err := root.OpenFile(rel, os.O_RDONLY|nonblock, 0)
	if err != nil {
		return nil, &Error{Name: name, Err: classify(err)}
	}
	defer f.Close()
	// Again on what was opened: the name may have changed in between.
	if fi, err = f.Stat(); err != nil {
		return nil, &Error{Name: name, Err: err}
	}
	if err := regular(fi, b.limits); err != nil {
		return nil, &Error{Name: name, Err: err}
	}
	if err := b.take(fi.Size()); err != nil {
		return nil, &Error{Name: name, Err: err}
	}
	max := b.limits.MaxFileBytes
	r := io.Reader(f)
	if max >= 0 {
		r = io.LimitReader(f, max+1)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &Error{Name: name, Err: err}
	}
	if max >= 0 && int64(len(data)) > max {
		return nil, &Error{Name: name, Err: fmt.Errorf("%w (%s): it grew while being read", ErrTooLarge, Size(max))}
	}
	if extra := int64(len(data)) - fi.Size(); extra > 0 {
		if err := b.take(extra); err != nil {
			return nil, &Error{Name: name, Err: err}
		}
	}
	return data, nil
}

func (b *Budget) take(n int64) error {
	total := b.read.Add(n)
	if max := b.limits.MaxTotalBytes; max >= 0 && total > max {
		return fmt.Errorf("%w (%s)", ErrBudget, Size(max))
	}
	return nil
}

// regular refuses what is not a regular file of at most the file limit.
func regular(fi fs.FileInfo, l Limits) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%w: it is %s", ErrNotRegular, Kind(fi.Mode()))
	}
	if l.MaxFileBytes >= 0 && fi.Size() > l.MaxFileBytes {
		return fmt.Errorf("%w: %s, more than %s", ErrTooLarge, Size(fi.Size()), Size(l.MaxFileBytes))
	}
	return nil
}

// Kind names a file's type for people: "a named pipe (FIFO)", "a character device".
func Kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	default:
		return "not a regular file (mode " + m.String() + ")"
	}
}

// classify turns os.Root's escape errors into ErrOutsideRoot, keeping others.
func classify(err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return err
	}
	var pe *fs.PathError
	if errors.As(err, &pe) && (strings.Contains(pe.Err.Error(), "escapes") || strings.Contains(pe.Err.Error(), "outside")) {
		return ErrOutsideRoot
	}
	if strings.Contains(err.Error(), "path escapes from parent") {
		return ErrOutsideRoot
	}
	return err
}

func clean(name string) string {
	if name == "" {
		return "."
	}
	return name
}

// Size prints a byte count for people: 16 MiB, 1.5 GiB, 312 B.
func Size(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	s := fmt.Sprintf("%.1f", v)
	s = strings.TrimSuffix(s, ".0")
	return s + " " + string("KMGTPE"[exp]) + "iB"
}
