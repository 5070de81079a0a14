package sshd

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// CPU is the CPU time (user and system) the server's live processes have
// used so far, read from Linux's /proc/PID/task/*/schedstat (nanoseconds).
type CPU struct {
	// Total is every live process of the server: the listener, one sshd
	// per connection (which encrypts) and the subsystem processes.
	Total time.Duration
	// SFTP is the sftp subsystem processes alone (internal-sftp or
	// sftp-server): reading folders and files, formatting replies.
	SFTP time.Duration
}

// CPU returns the CPU time used so far by the server's live processes.
// Benchmarks take the difference over a loop on warm connections (the
// processes of a connection that ended are not counted). It fails where
// /proc has no schedstat.
func (s *Server) CPU() (CPU, error) {
	var c CPU
	root := s.cmd.Process.Pid
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return c, err
	}
	parent := map[int]int{}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // gone since
		}
		// "pid (comm) state ppid ...": comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 2 {
			continue
		}
		if ppid, err := strconv.Atoi(f[1]); err == nil {
			parent[pid] = ppid
		}
	}
	found := false
	for pid := range parent {
		p := pid
		for p != root && p > 1 {
			p = parent[p]
		}
		if p != root {
			continue
		}
		d, err := taskCPU(pid)
		if err != nil {
			continue // gone since
		}
		found = true
		c.Total += d
		if cmd, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline")); err == nil &&
			(bytes.Contains(cmd, []byte("internal-sftp")) || bytes.Contains(cmd, []byte("sftp-server"))) {
			c.SFTP += d
		}
	}
	if !found {
		return c, errors.New("sshd: no CPU time in /proc/PID/task/*/schedstat")
	}
	return c, nil
}

// ProcessCPU returns the CPU time used so far by the live process pid (for
// example an sftp-server a benchmark started itself).
func ProcessCPU(pid int) (time.Duration, error) { return taskCPU(pid) }

// taskCPU sums the run time of a process's threads.
func taskCPU(pid int) (time.Duration, error) {
	tasks, err := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "task", "*", "schedstat"))
	if err != nil || len(tasks) == 0 {
		return 0, errors.New("sshd: no schedstat")
	}
	var sum time.Duration
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		f := strings.Fields(string(b))
		if len(f) == 0 {
			continue
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue
		}
		sum += time.Duration(ns)
	}
	return sum, nil
}
