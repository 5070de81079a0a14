package remote_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/dumpline/importer/source/remote"
	"github.com/dumpline/importer/source/sftptest"
)

func TestSFTPKeyboardInteractive(t *testing.T) {
	srv := sftptest.NewServer(t, makeTree(t), sftptest.WithoutPasswordAuth())
	src := srv.Source("/")
	defer src.Close()
	if _, err := src.List(context.Background()); err != nil {
		t.Fatalf("keyboard-interactive: %v", err)
	}
}

func TestSFTPEncryptedKey(t *testing.T) {
	srv := sftptest.NewServer(t, makeTree(t))
	raw, err := ssh.ParseRawPrivateKey(srv.ClientKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	const pass = "correct horse battery"
	block, err := ssh.MarshalPrivateKeyWithPassphrase(raw, "", []byte(pass))
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "id_enc")
	os.WriteFile(keyFile, pem.EncodeToMemory(block), 0o600)
	ctx := context.Background()

	for _, tc := range []struct {
		pass string
		ok   bool
	}{{pass, true}, {"", false}, {"wrong passphrase xyz", false}} {
		src := srv.Source("/")
		src.Password, src.KeyFiles, src.Passphrase = "", []string{keyFile}, tc.pass
		_, err := src.List(ctx)
		src.Close()
		if tc.ok && err != nil {
			t.Errorf("passphrase %q: %v", tc.pass, err)
		}
		if !tc.ok && err == nil {
			t.Errorf("passphrase %q accepted", tc.pass)
		}
		if err != nil && tc.pass != "" && strings.Contains(err.Error(), tc.pass) {
			t.Errorf("error shows the passphrase: %v", err)
		}
	}
}

func TestSFTPAgent(t *testing.T) {
	srv := sftptest.NewServer(t, makeTree(t))
	raw, err := ssh.ParseRawPrivateKey(srv.ClientKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	keyring := agent.NewKeyring()
	// A key the server does not know first, then the right one.
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	keyring.Add(agent.AddedKey{PrivateKey: other})
	keyring.Add(agent.AddedKey{PrivateKey: raw})
	sock := filepath.Join(t.TempDir(), "agent.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				agent.ServeAgent(keyring, c)
				c.Close()
			}()
		}
	}()
	defer wg.Wait()
	defer ln.Close()
	t.Setenv("SSH_AUTH_SOCK", sock)

	src := srv.Source("/")
	src.Password, src.UseAgent = "", true
	defer src.Close()
	if _, err := src.List(context.Background()); err != nil {
		t.Fatalf("agent auth: %v", err)
	}
}

func TestSFTPNoAuthNoHostCheck(t *testing.T) {
	srv := sftptest.NewServer(t, makeTree(t))
	ctx := context.Background()
	src := srv.Source("/")
	src.Password = ""
	if _, err := src.List(ctx); err == nil {
		t.Error("no authentication configured, yet List worked")
	}
	// No host key configuration and no known_hosts: never insecure.
	src = srv.Source("/")
	src.HostKeyCallback = nil
	src.KnownHosts = []string{filepath.Join(t.TempDir(), "nope")}
	if _, err := src.List(ctx); !errors.Is(err, remote.ErrNoKnownHosts) {
		t.Errorf("missing known_hosts: %v, want ErrNoKnownHosts", err)
	}
	// Trust on first use records the key, then checks it.
	kh := filepath.Join(t.TempDir(), "kh")
	src = srv.Source("/")
	src.HostKeyCallback, src.KnownHosts, src.TrustOnFirstUse = nil, []string{kh}, true
	if _, err := src.List(ctx); err != nil {
		t.Fatalf("tofu: %v", err)
	}
	src.Close()
	if b, _ := os.ReadFile(kh); string(b) != srv.KnownHostsLine() {
		t.Errorf("tofu recorded %q, want %q", b, srv.KnownHostsLine())
	}
	other := sftptest.NewServer(t, makeTree(t))
	os.WriteFile(kh, []byte(knownhosts.Line([]string{other.Addr}, srv.HostKey.PublicKey())+"\n"), 0o600)
	src = other.Source("/")
	src.HostKeyCallback, src.KnownHosts, src.TrustOnFirstUse = nil, []string{kh}, true
	defer src.Close()
	if _, err := src.List(ctx); !errors.Is(err, remote.ErrHostKeyMismatch) {
		t.Errorf("changed key with tofu: %v, want ErrHostKeyMismatch", err)
	}
}

func TestParseURL(t *testing.T) {
	s, err := remote.ParseURL("sftp://bob:pw@127.0.0.1:2222/srv/drop?known_hosts=/k1&recursive=1&pattern=*.zip&fingerprint=SHA256:abc")
	if err != nil {
		t.Fatal(err)
	}
	if s.Addr != "127.0.0.1:2222" || s.User != "bob" || s.Password != "pw" || s.Path != "/srv/drop" ||
		!s.Recursive || s.Protocol != remote.ProtocolAuto || s.KnownHosts[0] != "/k1" ||
		s.Patterns[0] != "*.zip" || s.HostKeyFingerprint != "SHA256:abc" {
		t.Errorf("parsed %+v", s)
	}
	if got := s.String(); got != "sftp://bob@127.0.0.1:2222/srv/drop" {
		t.Errorf("String() = %q", got)
	}
	s, err = remote.ParseURL("scp://alice@host/~/exports")
	if err != nil {
		t.Fatal(err)
	}
	if s.Protocol != remote.ProtocolSCP || s.Path != "exports" || s.Addr != "host" {
		t.Errorf("parsed %+v", s)
	}
	if got := s.String(); got != "scp://alice@host:22/~/exports" {
		t.Errorf("String() = %q", got)
	}
	if _, err := remote.ParseURL("sftp://bob:hunter2secret@host:notaport/x"); err == nil || strings.Contains(err.Error(), "hunter2secret") {
		t.Errorf("bad URL error %v (must not show the password)", err)
	}
	for _, bad := range []string{"http://host/x", "sftp:///x", "sftp://host/x?recursive=maybe"} {
		if _, err := remote.ParseURL(bad); err == nil {
			t.Errorf("ParseURL(%q) accepted", bad)
		}
	}
}
