//go:build !linux

package testdb

import "os/exec"

// setServerAttrs does nothing outside Linux: a server outlives a test binary
// that dies without calling Main's cleanup.
func setServerAttrs(cmd *exec.Cmd) {}

// killServer sends SIGKILL to the server process.
func killServer(cmd *exec.Cmd) error { return cmd.Process.Kill() }
