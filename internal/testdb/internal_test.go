package testdb

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestFindBinaryNotFound(t *testing.T) {
	_, err := findBinary("testdb-no-such-binary", "some-package", t.TempDir())
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	if !strings.Contains(err.Error(), "testdb-no-such-binary") || !strings.Contains(err.Error(), "some-package") {
		t.Errorf("err = %q, want the binary and the package named", err)
	}
}

func TestVersionDirs(t *testing.T) {
	dir := t.TempDir()
	for _, v := range []string{"9.6", "15", "13", "notaversion"} {
		if err := mkdir(dir + "/" + v); err != nil {
			t.Fatal(err)
		}
	}
	got := versionDirs(dir)
	want := []string{dir + "/15", dir + "/13", dir + "/9.6"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("versionDirs = %q, want %q", got, want)
	}
}

func mkdir(p string) error { return os.Mkdir(p, 0o755) }
