package remote_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/source/remote"
	"github.com/dumpline/importer/source/sftptest"
)

func TestFetchResumesPartial(t *testing.T) {
	for _, proto := range []remote.Protocol{remote.ProtocolSFTP, remote.ProtocolSCP} {
		t.Run([]string{"auto", "sftp", "scp"}[proto], func(t *testing.T) {
			dir := t.TempDir()
			os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
			sum := randomFile(t, filepath.Join(dir, "sub"), "big.bin", 3<<20)
			ctx := context.Background()
			out := t.TempDir()

			// The first connection is cut after about 1 MiB and no retry is
			// allowed: Fetch fails and leaves a partial file.
			cut := sftptest.NewServer(t, dir, sftptest.CutAfter(1<<20, 1))
			src := cut.Source("/")
			src.Protocol, src.Recursive, src.Retries = proto, true, -1
			defer src.Close()
			files := list(t, src, 3)
			f := files[0]
			f.Checksum = "" // none known
			if _, err := remote.Fetch(ctx, src, f, out); err == nil {
				t.Fatalf("Fetch through a cut connection succeeded without retries (server sent %d bytes, file %+v)", cut.BytesSent(), f)
			}
			part, err := os.Stat(filepath.Join(out, "sub", "big.bin.partial"))
			if err != nil || part.Size() == 0 {
				t.Fatalf("no partial file: %v", err)
			}
			if _, err := os.Stat(filepath.Join(out, "sub", "big.bin")); !errors.Is(err, os.ErrNotExist) {
				t.Fatal("the incomplete file was renamed into place")
			}

			// The second Fetch continues after the partial bytes.
			src2 := cut.Source("/")
			src2.Protocol, src2.Recursive = proto, true
			defer src2.Close()
			before := cut.BytesSent()
			p, err := remote.Fetch(ctx, src2, f, out)
			if err != nil {
				t.Fatal(err)
			}
			sent := cut.BytesSent() - before
			b, _ := os.ReadFile(p)
			if sha256.Sum256(b) != sum || p != filepath.Join(out, "sub", "big.bin") {
				t.Fatalf("fetched %s: content differs", p)
			}
			if st, _ := os.Stat(p); !st.ModTime().Equal(f.ModTime) {
				t.Errorf("mtime %v, want %v", st.ModTime(), f.ModTime)
			}
			if _, err := os.Stat(p + ".partial"); !errors.Is(err, os.ErrNotExist) {
				t.Error("partial file left behind")
			}
			if proto == remote.ProtocolSFTP && sent >= 3<<20 {
				t.Errorf("resumed SFTP fetch sent %d bytes, not only the rest", sent)
			}
		})
	}
}

func TestFetchRefusesBadNames(t *testing.T) {
	srv := sftptest.NewServer(t, makeTree(t))
	src := srv.Source("/")
	defer src.Close()
	for _, name := range []string{"../x", "/etc/passwd", "a/../../b", "a\x00b", "a\nb", ".."} {
		if _, err := remote.Fetch(context.Background(), src, source.File{Name: name, Size: 1}, t.TempDir()); !errors.Is(err, remote.ErrBadName) {
			t.Errorf("Fetch(%q): %v, want ErrBadName", name, err)
		}
	}
}

func TestFetchChecksum(t *testing.T) {
	dir := t.TempDir()
	sum := randomFile(t, dir, "f.bin", 1<<20)
	srv := sftptest.NewServer(t, dir)
	src := srv.Source("/")
	defer src.Close()
	ctx := context.Background()
	f := list(t, src, 1)[0]
	f.Checksum = "sha256:" + hexString(sum[:])
	if _, err := remote.Fetch(ctx, src, f, t.TempDir()); err != nil {
		t.Fatalf("right checksum: %v", err)
	}
	sum[0] ^= 1
	f.Checksum = "sha256:" + hexString(sum[:])
	out := t.TempDir()
	if _, err := remote.Fetch(ctx, src, f, out); !errors.Is(err, remote.ErrChecksum) {
		t.Fatalf("wrong checksum: %v, want ErrChecksum", err)
	}
	if _, err := os.Stat(filepath.Join(out, "f.bin")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a file with the wrong checksum was renamed into place")
	}
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}
