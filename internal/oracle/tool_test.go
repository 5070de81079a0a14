package oracle

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dumpline/importer/internal/testdb"
)

// TestMain shares one server per engine between the tests (testdb), and
// removes the dumpimport binary built for them.
func TestMain(m *testing.M) {
	code := testdb.Run(m)
	if toolDir != "" {
		os.RemoveAll(toolDir)
	}
	os.Exit(code)
}

// corpusDir returns the corpus folder (see testdb.CorpusDir).
func corpusDir(t testing.TB) string {
	t.Helper()
	return testdb.CorpusDir(t)
}

var (
	toolOnce sync.Once
	toolDir  string
	toolPath string
	toolErr  error
)

// tool builds examples/dumpimport once per test binary and returns the
// binary's path.
func tool(t testing.TB) string {
	t.Helper()
	toolOnce.Do(func() {
		goBin, err := exec.LookPath("go")
		if err != nil {
			toolErr = fmt.Errorf("oracle: the go command is needed to build examples/dumpimport: %w", err)
			return
		}
		toolDir, toolErr = os.MkdirTemp("", "oracle-dumpimport-")
		if toolErr != nil {
			return
		}
		toolPath = filepath.Join(toolDir, "dumpimport")
		cmd := exec.Command(goBin, "build", "-o", toolPath, "github.com/dumpline/importer/examples/dumpimport")
		if out, err := cmd.CombinedOutput(); err != nil {
			toolErr = fmt.Errorf("go build examples/dumpimport: %v\n%s", err, out)
		}
	})
	if toolErr != nil {
		t.Fatal(toolErr)
	}
	return toolPath
}

// toolReport is the part of `dumpimport parse -json`'s output the tests use.
type toolReport struct {
	Statements int64                `json:"statements"`
	Rows       int64                `json:"rows"`
	Tables     map[string]toolTable `json:"tables"`
	Errors     []string             `json:"errors"`
}

type toolTable struct {
	Rows int64 `json:"rows"`
}

// runTool runs dumpimport with args (after the command word, -json and
// -quiet are added) and decodes its report. A non-zero exit or errors in
// the report are an error.
func runTool(ctx context.Context, t testing.TB, command string, args ...string) (*toolReport, error) {
	t.Helper()
	cmd := exec.CommandContext(ctx, tool(t), append([]string{command, "-json", "-quiet"}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var rep toolReport
	jsonErr := json.Unmarshal(stdout.Bytes(), &rep)
	switch {
	case runErr != nil:
		return nil, fmt.Errorf("dumpimport %s %s: %v\nstderr: %s\nstdout: %.2000s", command, strings.Join(args, " "), runErr, strings.TrimSpace(stderr.String()), stdout.String())
	case jsonErr != nil:
		return nil, fmt.Errorf("dumpimport %s %s: bad JSON on stdout: %v\n%.2000s", command, strings.Join(args, " "), jsonErr, stdout.String())
	case len(rep.Errors) > 0:
		return nil, fmt.Errorf("dumpimport %s %s: report has errors: %q", command, strings.Join(args, " "), rep.Errors)
	}
	return &rep, nil
}

// counts maps a canonical table name to a number of rows.
type counts map[string]int64

// nonZero returns c without its zero entries: a table the dump creates but
// writes no rows into is not an error on either side.
func (c counts) nonZero() counts {
	out := counts{}
	for k, v := range c {
		if v != 0 {
			out[k] = v
		}
	}
	return out
}

func (c counts) total() int64 {
	var n int64
	for _, v := range c {
		n += v
	}
	return n
}

func (c counts) String() string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(c)) {
		fmt.Fprintf(&b, "%s=%d ", k, c[k])
	}
	return strings.TrimSpace(b.String())
}

// canonical maps the tool's table keys (as the dump writes them, with any
// prefix the dump writes) to the names the oracle uses:
//   - mysql: "db.table"; a name without a database prefix is in defaultDB,
//     the database the client's rows landed in. Case is kept (MariaDB on
//     Linux has case-sensitive table names).
//   - postgres: "schema.table", lower case (unquoted names fold to lower
//     case, and the tool's key does not say whether the dump quoted them);
//     a name without a schema is in "public" (pg_dump's search_path and the
//     default one both resolve there in the corpus); a three-part
//     db.schema.table name keeps its last two parts.
//   - sqlite: "table", lower case (SQLite names are case-insensitive); a
//     "main." prefix is dropped.
func canonical(engine string, tables map[string]toolTable, defaultDB string) counts {
	out := counts{}
	for k, v := range tables {
		var key string
		switch engine {
		case "mysql":
			key = k
			if !strings.Contains(k, ".") {
				key = defaultDB + "." + k
			}
		case "postgres":
			parts := strings.Split(strings.ToLower(k), ".")
			switch len(parts) {
			case 1:
				key = "public." + parts[0]
			default:
				key = strings.Join(parts[len(parts)-2:], ".")
			}
		case "sqlite":
			key = strings.TrimPrefix(strings.ToLower(k), "main.")
		}
		out[key] += v.Rows
	}
	return out
}
