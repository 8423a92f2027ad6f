package process

import (
	"syscall"
	"unsafe"
)

// waitExited returns true when process pid has exited, without reaping
// it (waitid with WNOWAIT): the zombie keeps its process group ID
// reserved, so the group can still be signalled safely.
func waitExited(pid int) bool {
	const (
		pPID    = 1         // P_PID
		wExited = 4         // WEXITED
		wNoWait = 0x1000000 // WNOWAIT
	)
	var info [128]byte // siginfo_t
	for {
		_, _, errno := syscall.Syscall6(syscall.SYS_WAITID, pPID, uintptr(pid), uintptr(unsafe.Pointer(&info)), wExited|wNoWait, 0, 0)
		if errno != syscall.EINTR {
			return errno == 0
		}
	}
}
