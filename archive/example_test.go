package archive_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/dumpline/importer/archive"
)

// Extract a password-protected ZIP (made by 7-Zip with AES-256) and count
// the bytes of each entry.
func Example() {
	f, err := os.Open("testdata/zips/aes256.zip")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		log.Fatal(err)
	}
	x := &archive.Extractor{
		Password: archive.StaticPassword("s3cr&t p@ss-w0rd"),
		Limits:   archive.Limits{MaxTotalSize: 1 << 30},
	}
	// *os.File is an io.ReaderAt: the ZIP is read in place.
	err = x.Extract(context.Background(), fi.Name(), f, fi.Size(), func(e archive.Entry, r io.Reader) error {
		n, err := io.Copy(io.Discard, r)
		fmt.Printf("%s: %d bytes (%v, encrypted %v)\n", e.Name, n, e.Format, e.Encrypted)
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	// Unordered output:
	// regions.sql: 5123 bytes (zip, encrypted true)
	// employees-schema.sql: 4193 bytes (zip, encrypted true)
}

// A file that is not an archive is one entry, named after the file without
// its compression suffix.
func ExampleExtractor_Extract() {
	var x archive.Extractor // the zero value has the default limits
	dump := bytes.NewReader([]byte("CREATE TABLE t (id int);\n"))
	err := x.Extract(context.Background(), "/drop/daily.sql", dump, dump.Size(), func(e archive.Entry, r io.Reader) error {
		b, err := io.ReadAll(r)
		fmt.Printf("%s (%v): %q\n", e.Name, e.Format, b)
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// daily.sql (plain): "CREATE TABLE t (id int);\n"
}
