package testdb

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"testing"
)

// PrivateServer starts a server of engine e of its own, not shared with
// other tests, and stops it when the test ends: for a test that kills or
// restarts it (see [Server.Kill]). It skips the test (or, when CI=true,
// fails it) when the server is not installed.
func PrivateServer(tb testing.TB, e Engine) *Server {
	tb.Helper()
	s, err := start(e)
	if err != nil {
		fail(tb, err)
	}
	tb.Cleanup(func() {
		if err := s.Stop(); err != nil {
			tb.Error(err)
		}
	})
	return s
}

// Kill kills the server with SIGKILL, with every process it started (a
// crash: nothing is flushed, no client is told), and waits for it to exit.
// [Server.Restart] starts it again on its data.
func (s *Server) Kill() error {
	if s.cmd == nil || s.cmd.Process == nil {
		return errors.New("testdb: kill: server not running")
	}
	select {
	case <-s.exited:
		return fmt.Errorf("testdb: kill: %s had exited (%v)", s.Engine, s.waitErr)
	default:
	}
	if err := killServer(s.cmd); err != nil {
		return fmt.Errorf("testdb: kill %s: %w", s.Engine, err)
	}
	<-s.exited
	return nil
}

// Restart starts the server again after [Server.Kill], with the same
// command, data folder and port, and waits until it answers: MariaDB and
// PostgreSQL recover from the crash first.
func (s *Server) Restart(ctx context.Context) error {
	select {
	case <-s.exited:
	default:
		return fmt.Errorf("testdb: restart: %s is running", s.Engine)
	}
	old := s.cmd
	cmd := exec.Command(old.Path, old.Args[1:]...)
	cmd.Dir, cmd.Env, cmd.SysProcAttr = old.Dir, old.Env, old.SysProcAttr
	if err := s.launch(cmd); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	return s.waitReady(ctx, s.admin.PingContext)
}
