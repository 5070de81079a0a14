package remote

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Host key errors. They are wrapped by the errors that SFTP returns when the
// server's host key is refused, and are never retried.
var (
	// ErrUnknownHost means the server's address has no key in the
	// known_hosts files (and trust-on-first-use is off).
	ErrUnknownHost = errors.New("remote: unknown SSH host (not in known_hosts)")
	// ErrHostKeyMismatch means the server presented a key other than the
	// recorded or pinned one: possibly a man-in-the-middle.
	ErrHostKeyMismatch = errors.New("remote: SSH host key mismatch")
	// ErrNoKnownHosts means no known_hosts file could be read and no other
	// way to check host keys was configured. There is no insecure default.
	ErrNoKnownHosts = errors.New("remote: no known_hosts file to check the SSH host key")
)

// hostKeyCheck builds the host key callback for the configuration and the
// host key algorithms to prefer for addr (those of the recorded keys, so that
// a server with several keys presents the one known_hosts has).
func (s *SFTP) hostKeyCheck(addr string) (ssh.HostKeyCallback, []string, error) {
	if s.HostKeyCallback != nil {
		return s.HostKeyCallback, nil, nil
	}
	if fp := s.HostKeyFingerprint; fp != "" {
		if !strings.HasPrefix(fp, "SHA256:") {
			return nil, nil, fmt.Errorf("remote: HostKeyFingerprint %q is not a SHA256:... fingerprint", fp)
		}
		return func(_ string, _ net.Addr, key ssh.PublicKey) error {
			if got := ssh.FingerprintSHA256(key); got != fp {
				return fmt.Errorf("%w: server key %s, pinned %s", ErrHostKeyMismatch, got, fp)
			}
			return nil
		}, nil, nil
	}
	files := s.KnownHosts
	if len(files) == 0 {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrNoKnownHosts, err)
		}
		files = []string{filepath.Join(home, ".ssh", "known_hosts")}
	}
	var existing []string
	for _, f := range files {
		if _, err := os.Stat(f); err == nil {
			existing = append(existing, f)
		} else if !s.TrustOnFirstUse {
			return nil, nil, fmt.Errorf("%w: %v", ErrNoKnownHosts, err)
		}
	}
	var cb ssh.HostKeyCallback
	if len(existing) > 0 {
		var err error
		if cb, err = knownhosts.New(existing...); err != nil {
			return nil, nil, fmt.Errorf("remote: reading known_hosts: %w", err)
		}
	} else {
		cb = func(string, net.Addr, ssh.PublicKey) error { return &knownhosts.KeyError{} }
	}
	algos := knownAlgorithms(cb, addr)
	tofu := s.TrustOnFirstUse
	record := files[0]
	check := func(host string, remote net.Addr, key ssh.PublicKey) error {
		err := cb(host, remote, key)
		var ke *knownhosts.KeyError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &ke) && len(ke.Want) > 0:
			return fmt.Errorf("%w for %s: server key %s (%s), known_hosts has %s", ErrHostKeyMismatch, host,
				ssh.FingerprintSHA256(key), key.Type(), ke.Want[0].String())
		case errors.As(err, &ke) && tofu:
			if err := appendKnownHost(record, host, key); err != nil {
				return err
			}
			return nil
		case errors.As(err, &ke):
			return fmt.Errorf("%w: %s (key %s %s); add it to %s or set TrustOnFirstUse", ErrUnknownHost, host,
				key.Type(), ssh.FingerprintSHA256(key), strings.Join(files, ", "))
		default:
			return fmt.Errorf("%w: %v", ErrHostKeyMismatch, err)
		}
	}
	return check, algos, nil
}

var knownHostsMu sync.Mutex // serialises trust-on-first-use appends within the process

// appendKnownHost records key for host at the end of the known_hosts file
// name, creating it (and its folder) when missing.
func appendKnownHost(name, host string, key ssh.PublicKey) error {
	knownHostsMu.Lock()
	defer knownHostsMu.Unlock()
	if err := os.MkdirAll(filepath.Dir(name), 0o700); err != nil {
		return fmt.Errorf("remote: recording host key: %w", err)
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("remote: recording host key: %w", err)
	}
	line := knownhosts.Line([]string{knownhosts.Normalize(host)}, key) + "\n"
	if _, err := f.WriteString(line); err != nil {
		f.Close()
		return fmt.Errorf("remote: recording host key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("remote: recording host key: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("remote: recording host key: %w", err)
	}
	return nil
}

var probeKey = sync.OnceValue(func() ssh.PublicKey {
	pub, _, _ := ed25519.GenerateKey(nil)
	k, _ := ssh.NewPublicKey(pub)
	return k
})

// knownAlgorithms returns the host key algorithms of the keys recorded for
// addr, found by asking the callback about a key it cannot know.
func knownAlgorithms(cb ssh.HostKeyCallback, addr string) []string {
	tcp, _ := net.ResolveTCPAddr("tcp", addr)
	var remote net.Addr = tcp
	if tcp == nil {
		remote = &net.TCPAddr{}
	}
	var ke *knownhosts.KeyError
	if err := cb(addr, remote, probeKey()); !errors.As(err, &ke) || len(ke.Want) == 0 {
		return nil
	}
	var algos []string
	add := func(a ...string) {
		for _, x := range a {
			if !containsString(algos, x) {
				algos = append(algos, x)
			}
		}
	}
	for _, k := range ke.Want {
		switch t := k.Key.Type(); t {
		case ssh.KeyAlgoRSA:
			add(ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA)
		default:
			add(t)
		}
	}
	return algos
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
