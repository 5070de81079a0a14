package remote_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/source/remote"
	"github.com/dumpline/importer/source/sftptest"
)

var _ importer.Source = (*remote.SFTP)(nil)

// evilName is a file name that runs a command if a shell ever sees it
// unquoted.
const evilName = "x$(touch PWNED)'; y.sql"

// randomFile writes n pseudo-random bytes to dir/name and returns their
// sha256.
func randomFile(t testing.TB, dir, name string, n int64) [32]byte {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	r := rand.NewChaCha8([32]byte{byte(n), 1, 2, 3})
	if _, err := io.CopyN(io.MultiWriter(f, h), r, n); err != nil {
		t.Fatal(err)
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

func names(files []source.File) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Name)
	}
	slices.Sort(out)
	return out
}

func readAll(t testing.TB, src *remote.SFTP, f source.File) []byte {
	t.Helper()
	rc, err := src.Open(context.Background(), f)
	if err != nil {
		t.Fatalf("Open(%s): %v", f.Name, err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	// A plain Read loop, as a decompressor would do.
	b := make([]byte, 32<<10)
	for {
		n, err := rc.Read(b)
		buf.Write(b[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Read(%s): %v", f.Name, err)
		}
	}
	return buf.Bytes()
}

// list lists src, trying up to tries times (a listing through a cutting
// proxy may itself be cut), and fails the test if no try succeeds.
func list(t testing.TB, src *remote.SFTP, tries int) []source.File {
	t.Helper()
	var files []source.File
	var err error
	for range tries {
		if files, err = src.List(context.Background()); err == nil {
			return files
		}
	}
	t.Fatal(err)
	return nil
}

// hashFile streams f from src and returns the bytes read and their
// SHA-256, with the first error of Open, the copy or Close.
func hashFile(src *remote.SFTP, f source.File) (int64, [32]byte, error) {
	rc, err := src.Open(context.Background(), f)
	if err != nil {
		return 0, [32]byte{}, err
	}
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if cerr := rc.Close(); err == nil {
		err = cerr
	}
	return n, [32]byte(h.Sum(nil)), err
}

func find(t testing.TB, files []source.File, name string) source.File {
	t.Helper()
	for _, f := range files {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("%q not listed in %q", name, names(files))
	return source.File{}
}

func makeTree(t testing.TB) string {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "sub", "deeper"), 0o755)
	for name, body := range map[string]string{
		"a.sql":            "select 1;\n",
		"b.sql.gz":         "not really gz",
		"notes.txt":        "hello",
		evilName:           "evil;\n",
		"sub/c.sql":        "select 3;\n",
		"sub/deeper/d.sql": "select 4;\n",
		"sub/deeper/e.txt": "e",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestSFTPTestServer(t *testing.T) {
	for _, proto := range []remote.Protocol{remote.ProtocolSFTP, remote.ProtocolSCP} {
		t.Run([]string{"auto", "sftp", "scp"}[proto], func(t *testing.T) {
			dir := makeTree(t)
			srv := sftptest.NewServer(t, dir)
			ctx := context.Background()

			src := srv.Source("/")
			src.Protocol = proto
			defer src.Close()
			files, err := src.List(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"a.sql", "b.sql.gz", "notes.txt", evilName}
			if got := names(files); !slices.Equal(got, want) {
				t.Fatalf("List = %q, want %q", got, want)
			}
			f := find(t, files, evilName)
			if f.Size != 6 || f.ModTime.IsZero() {
				t.Errorf("listed %+v", f)
			}
			if got := readAll(t, src, f); string(got) != "evil;\n" {
				t.Errorf("content %q", got)
			}

			rsrc := srv.Source("/")
			rsrc.Protocol, rsrc.Recursive, rsrc.Patterns = proto, true, []string{"[a-z].sql"}
			defer rsrc.Close()
			files, err = rsrc.List(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want = []string{"a.sql", "sub/c.sql", "sub/deeper/d.sql"}
			if got := names(files); !slices.Equal(got, want) {
				t.Fatalf("recursive List = %q, want %q", got, want)
			}
			if got := readAll(t, rsrc, find(t, files, "sub/deeper/d.sql")); string(got) != "select 4;\n" {
				t.Errorf("content %q", got)
			}

			one := srv.Source("sub/c.sql")
			one.Protocol = proto
			defer one.Close()
			files, err = one.List(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got := names(files); !slices.Equal(got, []string{"c.sql"}) {
				t.Fatalf("single file List = %q", got)
			}
			if got := readAll(t, one, files[0]); string(got) != "select 3;\n" {
				t.Errorf("content %q", got)
			}
			if _, err := os.Stat(filepath.Join(dir, "PWNED")); err == nil {
				t.Fatal("a command ran")
			}
		})
	}
}

func TestSFTPFallbackToSCP(t *testing.T) {
	dir := makeTree(t)
	srv := sftptest.NewServer(t, dir, sftptest.WithoutSFTP())
	src := srv.Source("")
	defer src.Close()
	files, err := src.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rc, err := src.Open(context.Background(), find(t, files, "a.sql"))
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, ok := rc.(io.ReaderAt); ok {
		t.Error("an SCP reader claims random access")
	}
	b, err := io.ReadAll(rc)
	if err != nil || string(b) != "select 1;\n" {
		t.Fatalf("ReadAll = %q, %v", b, err)
	}

	forced := srv.Source("")
	forced.Protocol = remote.ProtocolSFTP
	defer forced.Close()
	if _, err := forced.List(context.Background()); !errors.Is(err, remote.ErrSFTPUnavailable) {
		t.Fatalf("forced SFTP: %v, want ErrSFTPUnavailable", err)
	}
}

func TestSFTPReaderAt(t *testing.T) {
	dir := t.TempDir()
	sum := randomFile(t, dir, "big.bin", 3<<20+12345)
	srv := sftptest.NewServer(t, dir)
	src := srv.Source("/")
	defer src.Close()
	files := list(t, src, 1)
	rc, err := src.Open(context.Background(), files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	ra, ok := rc.(io.ReaderAt)
	if !ok {
		t.Fatal("SFTP reader is not an io.ReaderAt")
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(ra, 0, files[0].Size)); err != nil {
		t.Fatal(err)
	}
	if [32]byte(h.Sum(nil)) != sum {
		t.Fatal("ReadAt content differs")
	}
	b := make([]byte, 100)
	if n, err := ra.ReadAt(b, files[0].Size-10); n != 10 || err != io.EOF {
		t.Fatalf("ReadAt at end = %d, %v", n, err)
	}
}

func TestSFTPShortPacketGuard(t *testing.T) {
	dir := t.TempDir()
	sum := randomFile(t, dir, "big.bin", 2<<20+7)
	// The server serves 32 KiB per read; the client asks for 128 KiB.
	srv := sftptest.NewServer(t, dir, sftptest.MaxPacket(32768))
	src := srv.Source("/")
	src.MaxPacket = 128 << 10
	defer src.Close()
	files := list(t, src, 1)
	if _, got, err := hashFile(src, files[0]); err != nil || got != sum {
		t.Fatalf("stream with oversized packets: %v, or content differs", err)
	}
	// ReadAt copes with short replies by asking for the rest.
	ctx := context.Background()
	rc, err := src.Open(ctx, files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(rc.(io.ReaderAt), 0, files[0].Size)); err != nil {
		t.Fatal(err)
	}
	if [32]byte(h.Sum(nil)) != sum {
		t.Fatal("ReadAt content differs")
	}

	// A file truncated after Open is a short read, not a silent success.
	rc2, err := src.Open(ctx, files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer rc2.Close()
	if err := os.Truncate(filepath.Join(dir, "big.bin"), 1<<20); err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, rc2); !errors.Is(err, remote.ErrShortRead) && !errors.Is(err, remote.ErrChanged) {
		t.Fatalf("truncated file: %v, want ErrShortRead or ErrChanged", err)
	}
}

func TestSFTPResumeAfterCut(t *testing.T) {
	dir := t.TempDir()
	sum := randomFile(t, dir, "big.bin", 4<<20)
	for _, proto := range []remote.Protocol{remote.ProtocolSFTP, remote.ProtocolSCP} {
		t.Run([]string{"auto", "sftp", "scp"}[proto], func(t *testing.T) {
			// SFTP resumes at the offset, so every connection may be cut;
			// SCP restarts from the start, so only the first three are.
			conns := 0
			if proto == remote.ProtocolSCP {
				conns = 3
			}
			srv := sftptest.NewServer(t, dir, sftptest.CutAfter(1<<20+rand.Int64N(1<<20), conns))
			src := srv.Source("/")
			src.Protocol = proto
			src.Retries = 3
			defer src.Close()
			ctx := context.Background()
			files, err := src.List(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got := readAll(t, src, files[0])
			if sha256.Sum256(got) != sum {
				t.Fatalf("resumed download differs (%d bytes)", len(got))
			}
		})
	}
}

func TestSFTPAuth(t *testing.T) {
	dir := makeTree(t)
	srv := sftptest.NewServer(t, dir)
	ctx := context.Background()
	keyFile := filepath.Join(t.TempDir(), "id")
	os.WriteFile(keyFile, srv.ClientKeyPEM, 0o600)

	bad := srv.Source("/")
	bad.Password = "wrong-secret-123"
	defer bad.Close()
	_, err := bad.List(ctx)
	if err == nil {
		t.Fatal("wrong password accepted")
	}
	if strings.Contains(err.Error(), "wrong-secret-123") {
		t.Fatalf("error shows the password: %v", err)
	}

	byKey := srv.Source("/")
	byKey.Password, byKey.KeyFiles = "", []string{keyFile}
	defer byKey.Close()
	if _, err := byKey.List(ctx); err != nil {
		t.Fatalf("key auth: %v", err)
	}

	pinned := srv.Source("/")
	pinned.HostKeyCallback, pinned.HostKeyFingerprint = nil, srv.Fingerprint()
	defer pinned.Close()
	if _, err := pinned.List(ctx); err != nil {
		t.Fatalf("pinned fingerprint: %v", err)
	}
	wrong := srv.Source("/")
	wrong.HostKeyCallback, wrong.HostKeyFingerprint = nil, "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	defer wrong.Close()
	if _, err := wrong.List(ctx); !errors.Is(err, remote.ErrHostKeyMismatch) {
		t.Fatalf("wrong fingerprint: %v, want ErrHostKeyMismatch", err)
	}
}

func TestSFTPNoGoroutineLeft(t *testing.T) {
	before := runtime.NumGoroutine()
	dir := t.TempDir()
	randomFile(t, dir, "big.bin", 4<<20)
	for _, proto := range []remote.Protocol{remote.ProtocolSFTP, remote.ProtocolSCP} {
		srv, err := sftptest.New(dir)
		if err != nil {
			t.Fatal(err)
		}
		src := srv.Source("/")
		src.Protocol = proto
		ctx := context.Background()
		files, err := src.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rc, err := src.Open(ctx, files[0])
		if err != nil {
			t.Fatal(err)
		}
		// Read part of it (the read-ahead starts), random access too, then
		// close early.
		if _, err := io.CopyN(io.Discard, rc, 1<<20); err != nil {
			t.Fatal(err)
		}
		if ra, ok := rc.(io.ReaderAt); ok {
			ra.ReadAt(make([]byte, 1000), 2<<20)
		}
		rc.Close()
		src.Close()
		srv.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines left running:\n%s", n-before, buf[:runtime.Stack(buf, true)])
	}
}

func TestSFTPSharedConnection(t *testing.T) {
	dir := t.TempDir()
	sums := map[string][32]byte{}
	for i := range 6 {
		name := fmt.Sprintf("f%d.bin", i)
		sums[name] = randomFile(t, dir, name, int64(300<<10+i*12345))
	}
	for _, proto := range []remote.Protocol{remote.ProtocolSFTP, remote.ProtocolSCP} {
		srv := sftptest.NewServer(t, dir)
		src := srv.Source("/")
		src.Protocol = proto
		defer src.Close()
		ctx := context.Background()
		files, err := src.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var g errgroup.Group
		for _, f := range files {
			g.Go(func() error {
				rc, err := src.Open(ctx, f)
				if err != nil {
					return err
				}
				defer rc.Close()
				h := sha256.New()
				if _, err := io.Copy(h, rc); err != nil {
					return err
				}
				if [32]byte(h.Sum(nil)) != sums[f.Name] {
					return fmt.Errorf("%s differs", f.Name)
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			t.Fatal(err)
		}
		if n := srv.Connections(); n != 1 {
			t.Errorf("protocol %d: %d connections for concurrent transfers, want 1", proto, n)
		}
	}
}

func TestSFTPSymlinkLoop(t *testing.T) {
	dir := makeTree(t)
	if err := os.Symlink("..", filepath.Join(dir, "sub", "loop")); err != nil {
		t.Skip("no symbolic links:", err)
	}
	srv := sftptest.NewServer(t, dir)
	for _, proto := range []remote.Protocol{remote.ProtocolSFTP, remote.ProtocolSCP} {
		src := srv.Source("/")
		src.Protocol, src.Recursive = proto, true
		defer src.Close()
		files, err := src.List(context.Background())
		if err != nil {
			t.Fatalf("protocol %d: %v", proto, err)
		}
		if proto == remote.ProtocolSFTP && len(files) != 7 {
			t.Errorf("SFTP listed %q (a link to a folder must not be followed)", names(files))
		}
	}
}
