package remote

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/dumpline/importer/source"
)

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// fuzzSession is an scpSession over bytes: what a remote "scp -f" would
// print, with the acknowledgements going nowhere.
func fuzzSession(data []byte) *scpSession {
	return &scpSession{
		in:    nopWriteCloser{io.Discard},
		br:    bufio.NewReaderSize(bytes.NewReader(data), 16),
		after: func() bool { return true },
	}
}

// FuzzSCP feeds the SCP protocol reader arbitrary bytes as the remote
// scp's output: the recursive listing (scpListFrom) and a file's header
// (scpReader.header). Nothing may panic, every error must wrap [ErrSCP],
// [ErrBadName] or be a transport error, and every listed name and every
// accepted file size must be safe: names pass checkName component by
// component, sizes are not negative.
//
//	go test -run '^$' -fuzz '^FuzzSCP$' -fuzztime 1000000x ./source/remote
func FuzzSCP(f *testing.F) {
	for _, s := range []string{
		"C0644 12 a.sql\n",
		"T1700000000 0 1700000000 0\nC0644 12 a.sql\n",
		"D0755 0 drop\nT1700000000 0 1700000000 0\nC0644 3 a.sql\nD0755 0 sub\nC0600 9 b.sql.gz\nE\nE\n",
		"D0755 0 drop\nC0644 3 x$(touch PWNED)'; y.sql\nE\n",
		"D0755 0 drop\nC0644 3 ../evil.sql\nE\n",
		"D0755 0 drop\nD0755 0 ..\nE\nE\n",
		"\x01scp: drop: No such file or directory\n",
		"\x02scp: fatal\n",
		"E\n",
		"C0644 -1 a.sql\n",
		"C0644 99999999999999999999 a.sql\n",
		"T1 2 3\n",
		"Cxyz\n",
		"",
		"\n",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	m := source.MustMatcher()
	f.Fuzz(func(t *testing.T, data []byte, recursive bool) {
		s := &SFTP{Path: "drop", Recursive: recursive}
		files, err := s.scpListFrom(context.Background(), fuzzSession(data), m)
		checkSCPErr(t, err)
		for _, f := range files {
			if err := checkRel(f.Name); err != nil {
				t.Fatalf("listing returned unsafe name %q: %v", f.Name, err)
			}
			if f.Size < 0 {
				t.Fatalf("listing returned negative size %d for %q", f.Size, f.Name)
			}
		}

		sr := &scpReader{r: &remoteFile{rp: "drop/a.sql", size: -1}}
		size, err := sr.header(fuzzSession(data))
		checkSCPErr(t, err)
		if err == nil && size < 0 {
			t.Fatalf("header accepted negative size %d", size)
		}
	})
}

func checkSCPErr(t *testing.T, err error) {
	t.Helper()
	var ne *netError
	if err != nil && !errors.Is(err, ErrSCP) && !errors.Is(err, ErrBadName) && !errors.As(err, &ne) {
		t.Fatalf("error %v (%T) wraps neither ErrSCP nor ErrBadName and is not a transport error", err, err)
	}
}
