package testdb

import (
	"os/exec"
	"syscall"
)

// setServerAttrs makes the kernel kill the server if the test binary dies
// without stopping it (a test timeout, a crash), and puts the server in its
// own process group so that a terminal's ^C reaches the test binary first.
func setServerAttrs(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	cmd.SysProcAttr.Setpgid = true
}
