package archive_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dumpline/importer/archive"
)

// corpusFiles are the sample dumps of the repository's testdata/corpus
// that the tests pack, by file name; corpusFolder says which folder of the
// corpus holds each.
var corpusFiles = []string{"regions.sql", "employees-schema.sql", "pagila-insert-data.sql", "countries.sql", "chinook.sql"}

var corpusFolder = map[string]string{
	"regions.sql": "mysql", "employees-schema.sql": "mysql", "pagila-insert-data.sql": "postgres",
	"countries.sql": "mysql", "chinook.sql": "mysql",
}

// corpusRoot is the repository's folder of sample dumps.
var corpusRoot = filepath.Join("..", "testdata", "corpus")

func readCorpus(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusRoot, corpusFolder[name], name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// needTool skips the test when an external tool is missing (fails under CI).
func needTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed (Debian package: %s)", name, toolPackage(name))
		}
		t.Skipf("%s is not installed (Debian package: %s)", name, toolPackage(name))
	}
	return p
}

func toolPackage(name string) string {
	switch name {
	case "7z":
		return "p7zip-full or 7zip"
	case "zip", "unzip":
		return name
	}
	return name
}

// run runs a tool in dir; stdin may be nil.
func run(t testing.TB, dir string, stdin io.Reader, name string, args ...string) {
	t.Helper()
	needTool(t, name)
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdin = stdin
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// copyCorpus copies the named corpus files into dir.
func copyCorpus(t testing.TB, dir string, names ...string) {
	t.Helper()
	for _, n := range names {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, n)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n), readCorpus(t, filepath.Base(n)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// onlyReader hides every method but Read (so no io.ReaderAt).
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

type got struct {
	mu      sync.Mutex
	entries []archive.Entry
	data    map[string][]byte
}

// extractBytes runs x on data; streaming hides io.ReaderAt.
func extractBytes(x *archive.Extractor, name string, data []byte, streaming bool) (*got, error) {
	g := &got{data: map[string][]byte{}}
	var r io.Reader = bytes.NewReader(data)
	size := int64(len(data))
	if streaming {
		r, size = onlyReader{r}, -1
	}
	err := x.Extract(context.Background(), name, r, size, func(e archive.Entry, r io.Reader) error {
		b, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		g.mu.Lock()
		defer g.mu.Unlock()
		g.entries = append(g.entries, e)
		g.data[e.Name] = b
		return nil
	})
	return g, err
}

func extractFile(t testing.TB, x *archive.Extractor, path string, streaming bool) (*got, error) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return extractBytes(x, filepath.Base(path), b, streaming)
}

func (g *got) names() []string {
	var n []string
	for _, e := range g.entries {
		n = append(n, e.Name)
	}
	slices.Sort(n)
	return n
}
