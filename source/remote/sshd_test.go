package remote_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/dumpline/importer/internal/sshd"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/source/remote"
)

// sshdSource returns a source for path on the real sshd, by key, checking
// its known_hosts file.
func sshdSource(srv *sshd.Server, path string) *remote.SFTP {
	return &remote.SFTP{
		Addr: srv.Addr, User: srv.User, Path: path,
		KeyFiles: []string{srv.KeyFile}, KnownHosts: []string{srv.KnownHosts},
	}
}

func TestSSHDHostKeys(t *testing.T) {
	srv := sshd.Start(t, sshd.Options{})
	ctx := context.Background()
	tmp := t.TempDir()

	check := func(name string, mod func(*remote.SFTP), want error) {
		t.Helper()
		src := sshdSource(srv, srv.Dir)
		mod(src)
		defer src.Close()
		_, err := src.List(ctx)
		if want == nil && err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if want != nil && !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", name, err, want)
		}
	}
	check("known host", func(*remote.SFTP) {}, nil)

	missing := filepath.Join(tmp, "missing_known_hosts")
	check("missing known_hosts", func(s *remote.SFTP) { s.KnownHosts = []string{missing} }, remote.ErrNoKnownHosts)

	empty := filepath.Join(tmp, "empty_known_hosts")
	os.WriteFile(empty, []byte("# nothing\n"), 0o600)
	check("unknown host", func(s *remote.SFTP) { s.KnownHosts = []string{empty} }, remote.ErrUnknownHost)

	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	other, _ := ssh.NewPublicKey(pub)
	wrong := filepath.Join(tmp, "wrong_known_hosts")
	os.WriteFile(wrong, []byte(knownhosts.Line([]string{srv.Addr}, other)+"\n"), 0o600)
	check("mismatch", func(s *remote.SFTP) { s.KnownHosts = []string{wrong} }, remote.ErrHostKeyMismatch)
	check("mismatch with tofu", func(s *remote.SFTP) {
		s.KnownHosts, s.TrustOnFirstUse = []string{wrong}, true
	}, remote.ErrHostKeyMismatch)

	check("pinned", func(s *remote.SFTP) { s.KnownHosts, s.HostKeyFingerprint = nil, srv.Fingerprint() }, nil)
	check("pinned wrong", func(s *remote.SFTP) {
		s.HostKeyFingerprint = ssh.FingerprintSHA256(other)
	}, remote.ErrHostKeyMismatch)

	tofu := filepath.Join(tmp, "sub", "tofu_known_hosts")
	check("trust on first use", func(s *remote.SFTP) { s.KnownHosts, s.TrustOnFirstUse = []string{tofu}, true }, nil)
	b, err := os.ReadFile(tofu)
	if err != nil || !strings.Contains(string(b), srv.HostKey.Type()) {
		t.Fatalf("trust on first use recorded %q, %v", b, err)
	}
	check("recorded by tofu", func(s *remote.SFTP) { s.KnownHosts = []string{tofu} }, nil)
}

// noPWNED fails the test if a file named PWNED appeared where a command
// run by the remote shell would create it.
func noPWNED(t *testing.T, dirs ...string) {
	t.Helper()
	home, _ := os.UserHomeDir()
	cwd, _ := os.Getwd()
	for _, d := range append(dirs, home, cwd, "/") {
		if _, err := os.Stat(filepath.Join(d, "PWNED")); err == nil {
			t.Fatalf("a command ran: %s/PWNED exists", d)
		}
	}
}

func TestSSHDHostileName(t *testing.T) {
	noPWNED(t)
	for _, mode := range []string{"sftp", "scp-forced", "scp-fallback"} {
		t.Run(mode, func(t *testing.T) {
			srv := sshd.Start(t, sshd.Options{NoSFTP: mode == "scp-fallback"})
			drop := filepath.Join(srv.Dir, "drop")
			os.MkdirAll(filepath.Join(drop, "it's"), 0o755)
			os.WriteFile(filepath.Join(drop, evilName), []byte("evil;\n"), 0o644)
			os.WriteFile(filepath.Join(drop, "plain.sql"), []byte("select 1;\n"), 0o644)
			os.WriteFile(filepath.Join(drop, "it's", "$(touch PWNED).sql"), []byte("nested;\n"), 0o644)

			src := sshdSource(srv, drop)
			src.Recursive = true
			if mode == "scp-forced" {
				src.Protocol = remote.ProtocolSCP
			}
			defer src.Close()
			ctx := context.Background()
			files, err := src.List(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"it's/$(touch PWNED).sql", "plain.sql", evilName}
			if got := names(files); !slices.Equal(got, want) {
				t.Fatalf("List = %q, want %q", got, want)
			}
			for _, f := range files {
				got := readAll(t, src, f)
				wantBody, _ := os.ReadFile(filepath.Join(drop, filepath.FromSlash(f.Name)))
				if string(got) != string(wantBody) {
					t.Errorf("%s: %q, want %q", f.Name, got, wantBody)
				}
				// Fetch writes the hostile name as a plain local file.
				out := t.TempDir()
				p, err := remote.Fetch(ctx, src, f, out)
				if err != nil {
					t.Fatalf("Fetch(%q): %v", f.Name, err)
				}
				if b, _ := os.ReadFile(p); string(b) != string(wantBody) || filepath.Dir(p) != filepath.Join(out, filepath.Dir(filepath.FromSlash(f.Name))) {
					t.Errorf("Fetch wrote %s: %q", p, b)
				}
			}
			noPWNED(t, drop, filepath.Join(drop, "it's"), srv.Dir)
		})
	}
}

// largeSize is the size of the big-file tests: 64 MiB by default, 1 GiB
// with IMPORTER_LONG=1.
func largeSize() int64 {
	if os.Getenv("IMPORTER_LONG") == "1" {
		return 1 << 30
	}
	return 64 << 20
}

func TestSSHDLargeFileExact(t *testing.T) {
	srv := sshd.Start(t, sshd.Options{})
	dir := filepath.Join(srv.Dir, "big")
	os.MkdirAll(dir, 0o755)
	size := largeSize()
	sum := randomFile(t, dir, "big.bin", size)
	ctx := context.Background()
	// 32768 is the safe default, 261120 is what OpenSSH serves per read;
	// above it pkg/sftp alone would return a truncated file (#658).
	for _, packet := range []int{32768, 261120, 262144, 1 << 20} {
		src := sshdSource(srv, dir)
		src.MaxPacket = packet
		files := list(t, src, 1)
		n, got, err := hashFile(src, files[0])
		if err != nil || n != size || got != sum {
			t.Errorf("MaxPacket %d: %d bytes, %v; sha256 match %v", packet, n, err, got == sum)
		}
		if !remote.OwnSFTPSession(src) {
			t.Errorf("MaxPacket %d: the own SFTP session was given up", packet)
		}
		// Random access: read the whole file through ReadAt too.
		if packet == 1<<20 {
			rc, err := src.Open(ctx, files[0])
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.New()
			if _, err := io.Copy(h, io.NewSectionReader(rc.(io.ReaderAt), 0, size)); err != nil || [32]byte(h.Sum(nil)) != sum {
				t.Errorf("MaxPacket %d ReadAt: %v", packet, err)
			}
			rc.Close()
		}
		src.Close()
	}
}

func TestSSHDResumeThroughCuttingProxy(t *testing.T) {
	for _, mode := range []string{"sftp", "scp"} {
		t.Run(mode, func(t *testing.T) {
			srv := sshd.Start(t, sshd.Options{NoSFTP: mode == "scp"})
			dir := filepath.Join(srv.Dir, "big")
			os.MkdirAll(dir, 0o755)
			size := int64(24 << 20)
			sum := randomFile(t, dir, "big.bin", size)
			// The first connections are cut at random offsets (after the
			// handshake); later ones run to the end.
			rng := mrand.New(mrand.NewPCG(uint64(size), 7))
			proxy := sshd.NewProxy(t, srv.Addr, func(n int) int64 {
				if n > 4 {
					return 0
				}
				return 64<<10 + rng.Int64N(size/2)
			})
			src := sshdSource(srv, dir)
			src.Addr, src.KnownHosts, src.HostKeyFingerprint = proxy.Addr, nil, srv.Fingerprint()
			src.Retries = 10
			defer src.Close()
			files := list(t, src, 5)
			got := readAll(t, src, files[0])
			if int64(len(got)) != size || sha256.Sum256(got) != sum {
				t.Fatalf("resumed download: %d bytes, sha256 match %v", len(got), sha256.Sum256(got) == sum)
			}
			if proxy.Cuts.Load() == 0 {
				t.Fatal("the proxy cut nothing")
			}
			t.Logf("%d cuts", proxy.Cuts.Load())
		})
	}
}

func TestSSHDResumeAfterStall(t *testing.T) {
	srv := sshd.Start(t, sshd.Options{})
	dir := filepath.Join(srv.Dir, "big")
	os.MkdirAll(dir, 0o755)
	size := int64(12 << 20)
	sum := randomFile(t, dir, "big.bin", size)
	// The first two connections stop forwarding (without closing) at a
	// random offset; the I/O timeout must notice and the download resume.
	rng := mrand.New(mrand.NewPCG(3, 4))
	proxy := sshd.NewProxy(t, srv.Addr, func(n int) int64 {
		if n > 2 {
			return 0
		}
		return 256<<10 + rng.Int64N(size/2)
	})
	proxy.Stall.Store(true)
	src := sshdSource(srv, dir)
	src.Addr, src.KnownHosts, src.HostKeyFingerprint = proxy.Addr, nil, srv.Fingerprint()
	src.IOTimeout, src.KeepAlive = 1500*time.Millisecond, 300*time.Millisecond
	defer src.Close()
	files := list(t, src, 3)
	got := readAll(t, src, files[0])
	if int64(len(got)) != size || sha256.Sum256(got) != sum {
		t.Fatalf("download after stall: %d bytes, sha256 match %v", len(got), sha256.Sum256(got) == sum)
	}
	if proxy.Cuts.Load() == 0 {
		t.Fatal("the proxy stalled nothing")
	}
}

// TestSSHDListPipelined lists a folder of more names than one READDIR
// reply holds, with sub-folders and links, through the pipelined listing
// client and through pkg/sftp, on a real sshd; and on one that allows a
// single session per connection, where List falls back to pkg/sftp.
func TestSSHDListPipelined(t *testing.T) {
	for _, sessions := range []int{0, 1} {
		t.Run(fmt.Sprintf("MaxSessions=%d", sessions), func(t *testing.T) {
			srv := sshd.Start(t, sshd.Options{MaxSessions: sessions})
			dir := filepath.Join(srv.Dir, "drop")
			os.MkdirAll(filepath.Join(dir, "sub", "deeper"), 0o755)
			mtime := time.Unix(1700000000, 0)
			for i := range 1234 {
				name := filepath.Join(dir, fmt.Sprintf("dump_%04d.sql", i))
				if i%3 == 0 {
					name = filepath.Join(dir, "sub", fmt.Sprintf("part_%04d.sql", i))
				}
				os.WriteFile(name, make([]byte, i), 0o644)
				os.Chtimes(name, mtime, mtime.Add(time.Duration(i)*time.Second))
			}
			os.WriteFile(filepath.Join(dir, "sub", "deeper", "last.sql"), []byte("x"), 0o644)
			os.Symlink("dump_0001.sql", filepath.Join(dir, "link.sql"))
			os.Symlink("sub", filepath.Join(dir, "dirlink"))
			os.Symlink("missing", filepath.Join(dir, "dangling.sql"))
			ctx := context.Background()
			list := func(slow bool) []source.File {
				t.Helper()
				src := sshdSource(srv, dir)
				src.Recursive, src.Patterns = true, []string{"*.sql"}
				remote.SetSlowList(src, slow)
				defer src.Close()
				files, err := src.List(ctx)
				if err != nil {
					t.Fatalf("slow=%v: %v", slow, err)
				}
				if got, want := remote.OwnSFTPSession(src), !slow && sessions != 1; got != want {
					t.Errorf("slow=%v: listed with the pipelined client: %v, want %v", slow, got, want)
				}
				slices.SortFunc(files, func(a, b source.File) int { return strings.Compare(a.Name, b.Name) })
				return files
			}
			fast, slow := list(false), list(true)
			if len(fast) != 1234+2 {
				t.Errorf("listed %d files, want %d", len(fast), 1234+2)
			}
			if !slices.EqualFunc(fast, slow, func(a, b source.File) bool {
				return a.Name == b.Name && a.Size == b.Size && a.ModTime.Equal(b.ModTime)
			}) {
				t.Fatalf("pipelined listing differs from pkg/sftp's:\n%v\n%v", fast[:5], slow[:5])
			}
			f := fast[slices.IndexFunc(fast, func(f source.File) bool { return f.Name == "dump_0005.sql" })]
			if f.Size != 5 || !f.ModTime.Equal(mtime.Add(5*time.Second)) {
				t.Errorf("dump_0005.sql listed as %+v", f)
			}
			if !slices.ContainsFunc(fast, func(f source.File) bool { return f.Name == "link.sql" && f.Size == 1 }) {
				t.Error("link to a file not listed with the file's size")
			}

			// A missing folder is an error naming it.
			src := sshdSource(srv, filepath.Join(dir, "nope"))
			defer src.Close()
			if _, err := src.List(ctx); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "nope") {
				t.Errorf("missing folder: %v", err)
			}
		})
	}
}
