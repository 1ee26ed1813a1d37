// Package atomicfile writes output files so that a reader, a crash or a
// failure never sees a half-written file: the bytes go to a temporary file
// in the target directory, which is flushed to disk (fsync) and then
// renamed over the final name; the directory is synced so the rename
// survives a power cut. Until Commit the final name is untouched, and Abort
// (or any failed Commit) removes the temporary file.
//
// An existing file is never replaced unless the caller asks for it (Force).
// Without Force the final rename refuses to overwrite (renameat2
// RENAME_NOREPLACE on Linux, a hard link elsewhere), so a file that appears
// while the output is being written is not clobbered either.
//
// Temporary files are named ".<name>.firma-tmp-<random>" so that what an
// abrupt kill (SIGKILL, power loss) leaves behind is recognisable.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// pending holds the temporary files of the outputs being written, for
// RemovePending.
var pending struct {
	sync.Mutex
	files map[string]bool
}

func track(tmp string, live bool) {
	pending.Lock()
	defer pending.Unlock()
	if pending.files == nil {
		pending.files = map[string]bool{}
	}
	if live {
		pending.files[tmp] = true
	} else {
		delete(pending.files, tmp)
	}
}

// RemovePending removes the temporary file of every output still being
// written, and returns how many it removed. It is for a process that must
// exit before its writers return (a signal while one of them is blocked
// reading a pipe): no partial output survives the exit. An output whose
// Commit runs at the same time then fails, leaving nothing either.
func RemovePending() int {
	pending.Lock()
	defer pending.Unlock()
	n := 0
	for tmp := range pending.files {
		if err := os.Remove(tmp); err == nil {
			n++
		}
		delete(pending.files, tmp)
	}
	return n
}

// TempInfix marks firma's temporary files: ".<name>" + TempInfix + random.
const TempInfix = ".firma-tmp-"

// ExistsError reports that the output file already exists and Force was
// not given. It matches fs.ErrExist with errors.Is.
type ExistsError struct {
	Path string
}

func (e *ExistsError) Error() string {
	return fmt.Sprintf("%s already exists", e.Path)
}

// Is makes errors.Is(err, fs.ErrExist) true.
func (e *ExistsError) Is(target error) bool { return target == fs.ErrExist }

// WriteError reports an output that could not be created, written, flushed
// or moved into place (full disk, read-only directory, permissions).
type WriteError struct {
	Path string
	Err  error
}

func (e *WriteError) Error() string { return fmt.Sprintf("writing %s: %v", e.Path, e.Err) }
func (e *WriteError) Unwrap() error { return e.Err }

// Options tune Create.
type Options struct {
	// Force allows replacing an existing file.
	Force bool
	// Perm is the final file's permission bits (default 0644). The
	// temporary file is created 0600 and only gets Perm at Commit.
	Perm fs.FileMode
}

// File is an output being written. It is not safe for concurrent use.
type File struct {
	f     *os.File
	path  string
	tmp   string
	opts  Options
	state int // open, committed, aborted
}

const (
	stateOpen = iota
	stateCommitted
	stateAborted
)

// Create starts writing path. Without opts.Force it fails with an
// *ExistsError when path exists already (checked again at Commit). The
// directory must exist.
func Create(path string, opts Options) (*File, error) {
	if opts.Perm == 0 {
		opts.Perm = 0o644
	}
	if !opts.Force {
		if err := CheckFree(path); err != nil {
			return nil, err
		}
	} else if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, &WriteError{Path: path, Err: errors.New("exists and is not a regular file")}
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+TempInfix+"*")
	if err != nil {
		return nil, &WriteError{Path: path, Err: err}
	}
	track(f.Name(), true)
	return &File{f: f, path: path, tmp: f.Name(), opts: opts}, nil
}

// CheckFree fails with an *ExistsError when path exists (as anything,
// including a dangling symlink).
func CheckFree(path string) error {
	_, err := os.Lstat(path)
	switch {
	case err == nil:
		return &ExistsError{Path: path}
	case errors.Is(err, fs.ErrNotExist):
		return nil
	default:
		return fmt.Errorf("checking output %s: %w", path, err)
	}
}

// Name is the final path.
func (f *File) Name() string { return f.path }

// TempName is the temporary file's path (for tests and diagnostics).
func (f *File) TempName() string { return f.tmp }

// Write writes to the temporary file.
func (f *File) Write(p []byte) (int, error) {
	if f.state != stateOpen {
		return 0, &WriteError{Path: f.path, Err: fs.ErrClosed}
	}
	n, err := f.f.Write(p)
	if err != nil {
		return n, &WriteError{Path: f.path, Err: err}
	}
	return n, nil
}

// WriteAt writes to the temporary file at off, without moving the offset
// Write uses: a writer that learns a length only after the bytes that
// follow it (an enveloping signature's header) fixes it in place before
// Commit, and nothing is visible until then.
func (f *File) WriteAt(p []byte, off int64) (int, error) {
	if f.state != stateOpen {
		return 0, &WriteError{Path: f.path, Err: fs.ErrClosed}
	}
	n, err := f.f.WriteAt(p, off)
	if err != nil {
		return n, &WriteError{Path: f.path, Err: err}
	}
	return n, nil
}

// ReadAt reads back from the temporary file at off.
func (f *File) ReadAt(p []byte, off int64) (int, error) {
	if f.state != stateOpen {
		return 0, &WriteError{Path: f.path, Err: fs.ErrClosed}
	}
	return f.f.ReadAt(p, off)
}

// Seek sets the offset of the next Write (see io.Seeker).
func (f *File) Seek(off int64, whence int) (int64, error) {
	if f.state != stateOpen {
		return 0, &WriteError{Path: f.path, Err: fs.ErrClosed}
	}
	return f.f.Seek(off, whence)
}

// Commit flushes the data to disk and moves it to the final name. On any
// error the temporary file is removed and the final name is left as it
// was.
func (f *File) Commit() (err error) {
	if f.state != stateOpen {
		return &WriteError{Path: f.path, Err: fs.ErrClosed}
	}
	defer func() {
		if err != nil {
			f.Abort()
		}
	}()
	if err := f.f.Chmod(f.opts.Perm); err != nil {
		return &WriteError{Path: f.path, Err: err}
	}
	if err := f.f.Sync(); err != nil {
		return &WriteError{Path: f.path, Err: err}
	}
	if err := f.f.Close(); err != nil {
		return &WriteError{Path: f.path, Err: err}
	}
	if f.opts.Force {
		err = os.Rename(f.tmp, f.path)
	} else {
		err = renameNoReplace(f.tmp, f.path)
	}
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return &ExistsError{Path: f.path}
		}
		return &WriteError{Path: f.path, Err: err}
	}
	f.state = stateCommitted
	track(f.tmp, false)
	// The data is safe; a failing directory sync only weakens durability
	// across a power cut, so it is not worth failing a finished output.
	syncDir(filepath.Dir(f.path))
	return nil
}

// Abort discards the output: the temporary file is closed and removed. It
// is safe to call more than once and after Commit (then it does nothing),
// so callers can defer it right after Create.
func (f *File) Abort() error {
	if f.state != stateOpen {
		return nil
	}
	f.state = stateAborted
	f.f.Close()
	defer track(f.tmp, false)
	if err := os.Remove(f.tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing temporary file %s: %w", f.tmp, err)
	}
	return nil
}

// WriteFile writes data to path atomically.
func WriteFile(path string, data []byte, opts Options) error {
	f, err := Create(path, opts)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Commit()
}

// fallbackNoReplace moves tmp to path with a hard link, which fails when
// path exists, then removes tmp. Filesystems without hard links (FAT on a
// USB stick) get a check followed by a rename: a file created in between
// could still be replaced, which is the best such a filesystem allows.
func fallbackNoReplace(tmp, path string) error {
	err := os.Link(tmp, path)
	if err == nil {
		os.Remove(tmp)
		return nil
	}
	if errors.Is(err, fs.ErrExist) {
		return fs.ErrExist
	}
	if _, serr := os.Lstat(path); serr == nil {
		return fs.ErrExist
	} else if !errors.Is(serr, fs.ErrNotExist) {
		return serr
	}
	return os.Rename(tmp, path)
}

func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	d.Sync()
	d.Close()
}
