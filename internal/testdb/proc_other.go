//go:build !linux

package testdb

import "os/exec"

// setServerAttrs does nothing outside Linux: a server outlives a test binary
// that dies without calling Main's cleanup.
func setServerAttrs(cmd *exec.Cmd) {}
