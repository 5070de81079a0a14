// Package sshd starts a real OpenSSH sshd for tests: on a free loopback
// port, with a temporary configuration, host key and user key, serving the
// current user. It also has a loopback TCP proxy that cuts connections, to
// test resuming.
//
// A test calls Start; when /usr/sbin/sshd is missing the test is skipped,
// except when the environment variable CI is "true", where it fails.
package sshd

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Binary is the sshd started by Start.
const Binary = "/usr/sbin/sshd"

// Options configure a server.
type Options struct {
	// NoSFTP leaves out the sftp subsystem, so only SCP (exec) works.
	NoSFTP bool
	// SFTPServer is the subsystem command; "" means internal-sftp.
	SFTPServer string
	// Extra lines appended to sshd_config (sshd keeps the first value of
	// a keyword: they cannot override the lines Start writes).
	Extra []string
	// MaxSessions is the number of sessions a connection may open; zero
	// means 100.
	MaxSessions int
}

// Server is a running sshd.
type Server struct {
	// Addr is "127.0.0.1:port".
	Addr string
	// Dir is the server's temporary folder (configuration and keys); tests
	// may put files to serve in a sub-folder of it.
	Dir string
	// User is the login name (the current user).
	User string
	// KeyFile is the user's private key (ed25519, no passphrase).
	KeyFile string
	// KnownHosts is a known_hosts file holding the server's host key for Addr.
	KnownHosts string
	// HostKey is the server's public host key.
	HostKey ssh.PublicKey

	cmd    *exec.Cmd
	stderr *syncBuffer
}

// Skip skips (or, when CI=true, fails) the test unless sshd is installed.
func Skip(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(Binary); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("sshd: %s is missing (install openssh-server)", Binary)
		}
		t.Skipf("sshd: %s is missing (install openssh-server)", Binary)
	}
}

// Start starts an sshd and stops it when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	Skip(t)
	dir := t.TempDir()
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	hostPub := writeKey(t, filepath.Join(dir, "host_ed25519"))
	userPub := writeKey(t, filepath.Join(dir, "id_ed25519"))
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), ssh.MarshalAuthorizedKey(userPub), 0o600); err != nil {
		t.Fatal(err)
	}
	// sshd needs its privilege separation folder.
	os.MkdirAll("/run/sshd", 0o755)

	var lastErr string
	for attempt := 0; attempt < 5; attempt++ {
		port := freePort(t)
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		cfg := []string{
			fmt.Sprintf("Port %d", port),
			"ListenAddress 127.0.0.1",
			"HostKey " + filepath.Join(dir, "host_ed25519"),
			"PidFile none",
			"AuthorizedKeysFile " + filepath.Join(dir, "authorized_keys"),
			"StrictModes no",
			"UsePAM no",
			"PasswordAuthentication no",
			"KbdInteractiveAuthentication no",
			"PubkeyAuthentication yes",
			"PermitRootLogin prohibit-password",
			"MaxStartups 100:30:200",
			fmt.Sprintf("MaxSessions %d", cmpOrInt(opts.MaxSessions, 100)),
			"LogLevel ERROR",
		}
		if !opts.NoSFTP {
			cfg = append(cfg, "Subsystem sftp "+cmpOr(opts.SFTPServer, "internal-sftp"))
		}
		cfg = append(cfg, opts.Extra...)
		cfgFile := filepath.Join(dir, "sshd_config")
		if err := os.WriteFile(cfgFile, []byte(strings.Join(cfg, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		stderr := &syncBuffer{}
		cmd := exec.Command(Binary, "-D", "-e", "-f", cfgFile)
		cmd.Stderr = stderr
		if err := cmd.Start(); err != nil {
			t.Fatalf("sshd: %v", err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		if waitListening(addr, exited) {
			s := &Server{Addr: addr, Dir: dir, User: u.Username, KeyFile: filepath.Join(dir, "id_ed25519"),
				KnownHosts: filepath.Join(dir, "known_hosts"), HostKey: hostPub, cmd: cmd, stderr: stderr}
			line := knownhosts.Line([]string{addr}, hostPub) + "\n"
			if err := os.WriteFile(s.KnownHosts, []byte(line), 0o600); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				cmd.Process.Kill()
				<-exited
				if t.Failed() {
					t.Logf("sshd stderr:\n%s", stderr.String())
				}
			})
			return s
		}
		cmd.Process.Kill()
		<-exited
		lastErr = stderr.String()
	}
	t.Fatalf("sshd did not start: %s", lastErr)
	return nil
}

// KnownHostsLine returns a known_hosts line for the host key at addr (for
// example a proxy's address).
func (s *Server) KnownHostsLine(addr string) string {
	return knownhosts.Line([]string{addr}, s.HostKey) + "\n"
}

// Fingerprint is the host key's SHA256 fingerprint.
func (s *Server) Fingerprint() string { return ssh.FingerprintSHA256(s.HostKey) }

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func cmpOrInt(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

func writeKey(t testing.TB, name string) ssh.PublicKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name+".pub", ssh.MarshalAuthorizedKey(sp), 0o644); err != nil {
		t.Fatal(err)
	}
	return sp
}

func freePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func waitListening(addr string, exited <-chan struct{}) bool {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		default:
		}
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			// Wait for the banner so we know it is sshd.
			c.SetReadDeadline(time.Now().Add(2 * time.Second))
			b := make([]byte, 4)
			n, _ := c.Read(b)
			c.Close()
			if n == 4 && string(b) == "SSH-" {
				return true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
