package testdb

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strings"
)

var (
	copyHeaderRE = regexp.MustCompile(`^COPY ([^ ]+) \(([^)]*)\) FROM stdin;$`)
	setvalRE     = regexp.MustCompile(`^SELECT pg_catalog\.setval\('([^']+)'`)
)

// DerivedCopySchema returns DDL that creates, for every COPY of the dump, a
// table of text columns with the COPY's name and columns, and the sequences
// that its setval calls name. pagila-data.sql
// holds only data and its schema is not in the corpus: the oracle needs
// tables that accept every row, and COPY's text format is read the same way
// whatever the column types, so text columns load exactly the rows that the
// real schema would. The regular expression only reads COPY headers; psql
// reads the data, and a COPY it missed would fail the load.
func DerivedCopySchema(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var b strings.Builder
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		if m := setvalRE.FindStringSubmatch(sc.Text()); m != nil && !seen[m[1]] {
			seen[m[1]] = true
			fmt.Fprintf(&b, "CREATE SEQUENCE %s;\n", m[1])
			continue
		}
		m := copyHeaderRE.FindStringSubmatch(sc.Text())
		if m == nil || seen[m[1]] {
			continue
		}
		seen[m[1]] = true
		var cols []string
		for c := range strings.SplitSeq(m[2], ",") {
			cols = append(cols, strings.TrimSpace(c)+" text")
		}
		fmt.Fprintf(&b, "CREATE TABLE %s (%s);\n", m[1], strings.Join(cols, ", "))
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	if len(seen) == 0 {
		return "", fmt.Errorf("%s: no COPY header", path)
	}
	return b.String(), nil
}
