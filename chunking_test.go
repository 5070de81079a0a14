package importer_test

import (
	"context"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"

	"github.com/dumpline/importer/internal/testdb"
	"github.com/dumpline/importer/sqlparse"
)

// randomChunks returns reads of random sizes from 1 byte to 100 KiB.
type randomChunks struct {
	r   io.Reader
	rng *rand.Rand
}

func (c *randomChunks) Read(p []byte) (int, error) {
	n := 1 + c.rng.IntN(100<<10)
	if c.rng.IntN(4) == 0 {
		n = 1 + c.rng.IntN(16)
	}
	return c.r.Read(p[:min(len(p), n)])
}

func countTables(t *testing.T, r io.Reader) (map[string]int64, int64) {
	t.Helper()
	rows := map[string]int64{}
	var stmts int64
	err := (&sqlparse.Parser{}).Parse(context.Background(), r, sqlparse.Auto, func(st *sqlparse.Statement) error {
		stmts++
		if st.Rows == nil {
			return nil
		}
		for _, err := range sqlparse.Rows(st.Rows) {
			if err != nil {
				return err
			}
			rows[st.Table]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return rows, stmts
}

// TestParserIgnoresReadBoundaries parses every corpus file whole and again
// through readers that return tiny, odd and random chunks: statements and
// rows per table must not depend on where reads end.
func TestParserIgnoresReadBoundaries(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testdb.CorpusDir(t), "*", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no sample dumps in the corpus: %v", err)
	}
	for _, f := range files {
		if filepath.Ext(f) == ".md" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f), func(t *testing.T) {
			want, wantStmts := countTables(t, bytesReader(data))
			readers := map[string]io.Reader{
				"half":   iotest.HalfReader(bytesReader(data)),
				"random": &randomChunks{r: bytesReader(data), rng: rand.New(rand.NewPCG(1, uint64(len(data))))},
			}
			if len(data) < 1<<20 {
				readers["onebyte"] = iotest.OneByteReader(bytesReader(data))
			}
			for name, r := range readers {
				got, stmts := countTables(t, r)
				if diff := cmp.Diff(want, got); diff != "" || stmts != wantStmts {
					t.Errorf("%s reads: %d statements (want %d), rows (-whole +%s):\n%s", name, stmts, wantStmts, name, diff)
				}
			}
		})
	}
}

func bytesReader(b []byte) io.Reader { return &sliceReader{b: b} }

// sliceReader is a plain reader with no WriteTo or ReadAt, so the parser
// sees only Read calls.
type sliceReader struct{ b []byte }

func (s *sliceReader) Read(p []byte) (int, error) {
	if len(s.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.b)
	s.b = s.b[n:]
	return n, nil
}
