package sftptest_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/dumpline/importer/source/sftptest"
)

// Serve a folder over SFTP on loopback and read it back through the
// remote.SFTP that the server configures.
func Example() {
	dir, err := os.MkdirTemp("", "drop")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "mvdsb_1.sql"), []byte("select 1;\n"), 0o644)

	srv, err := sftptest.New(dir)
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	src := srv.Source("/") // password auth, host key pinned to the server's
	defer src.Close()
	ctx := context.Background()
	files, err := src.List(ctx)
	if err != nil {
		panic(err)
	}
	rc, err := src.Open(ctx, files[0])
	if err != nil {
		panic(err)
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	fmt.Printf("%s: %q\n", files[0].Name, b)
	// Output: mvdsb_1.sql: "select 1;\n"
}
