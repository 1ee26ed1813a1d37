//go:build unix

package verify

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user and system) the process has used:
// on a shared machine, where wall-clock benchmark figures swing with
// the load, it says what a run costs.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
