package source_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoSSHCode checks that a program reading local files only (the root
// package, source, source/state) links no SSH or SFTP code: that lives in
// source/remote.
func TestNoSSHCode(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH to list the dependencies")
	}
	pkgs := []string{"github.com/dumpline/importer", "github.com/dumpline/importer/source", "github.com/dumpline/importer/source/state"}
	for _, pkg := range pkgs {
		out, err := exec.Command(gobin, "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			if strings.HasPrefix(dep, "golang.org/x/crypto/ssh") || strings.HasPrefix(dep, "github.com/pkg/sftp") {
				t.Errorf("%s depends on %s", pkg, dep)
			}
		}
	}
}
