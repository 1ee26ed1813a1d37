package sign

import (
	"io/fs"
	"syscall"
)

// changeTime is the file's status change time (ctime) in nanoseconds:
// every write and every attempt to set the modification time back moves it.
func changeTime(fi fs.FileInfo) int64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ctim.Nano()
	}
	return 0
}
