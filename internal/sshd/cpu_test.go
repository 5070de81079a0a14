package sshd

import (
	"runtime"
	"testing"
)

func TestCPU(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("sshd: CPU reads Linux's /proc")
	}
	srv := Start(t, Options{})
	c, err := srv.CPU()
	if err != nil {
		t.Fatal(err)
	}
	if c.Total <= 0 || c.SFTP != 0 {
		t.Errorf("CPU() = %+v, want some total time and no sftp process yet", c)
	}
}
