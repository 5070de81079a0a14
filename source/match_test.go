package source

import (
	"errors"
	"fmt"
	"path"
	"testing"
)

func TestMatcher(t *testing.T) {
	cases := []struct {
		pats []string
		name string
		want bool
	}{
		{nil, "anything", true},
		{[]string{"*.sql"}, "dump.sql", true},
		{[]string{"*.sql"}, "dump.sql.gz", false},
		{[]string{"*.sql"}, "dir/sub/dump.sql", true},
		{[]string{"*.sql"}, ".sql", true},
		{[]string{"mvdsb_*.zip"}, "mvdsb_2026-11-27.zip", true},
		{[]string{"mvdsb_*.zip"}, "xmvdsb_1.zip", false},
		{[]string{"mvdsb_*.zip"}, "mvdsb_.zip", true},
		{[]string{"a?c"}, "abc", true},
		{[]string{"a?c"}, "ac", false},
		{[]string{"a?c"}, "aéc", true},
		{[]string{"[a-c]*.sql"}, "b1.sql", true},
		{[]string{"[a-c]*.sql"}, "d1.sql", false},
		{[]string{"[!a-c]*.sql"}, "d1.sql", true},
		{[]string{"[^a-c]*.sql"}, "a1.sql", false},
		{[]string{"[]]x"}, "]x", true},
		{[]string{"*.{sql,sql.gz,zip}"}, "x.sql.gz", true},
		{[]string{"*.{sql,sql.gz,zip}"}, "x.zip", true},
		{[]string{"*.{sql,sql.gz,zip}"}, "x.zst", false},
		{[]string{"{a,b{1,2}}.sql"}, "b2.sql", true},
		{[]string{"{a,b{1,2}}.sql"}, "b3.sql", false},
		{[]string{"*.sql", "*.zip"}, "x.zip", true},
		{[]string{`\*.sql`}, "*.sql", true},
		{[]string{`\*.sql`}, "a.sql", false},
		{[]string{"*a*b*c"}, "xxaxxbxxc", true},
		{[]string{"*a*b*c"}, "xxaxxcxxb", false},
		{[]string{"a*"}, "a", true},
		{[]string{"*"}, "", true},
		{[]string{"*x*"}, "", false},
	}
	for _, c := range cases {
		m, err := NewMatcher(c.pats...)
		if err != nil {
			t.Fatalf("NewMatcher(%q): %v", c.pats, err)
		}
		if got := m.Match(c.name); got != c.want {
			t.Errorf("NewMatcher(%q).Match(%q) = %v, want %v", c.pats, c.name, got, c.want)
		}
	}
}

// TestMatcherAgreesWithPathMatch checks the matcher against the standard
// library's path.Match on patterns both understand.
func TestMatcherAgreesWithPathMatch(t *testing.T) {
	pats := []string{"*", "*.sql", "a*", "*b", "a?c", "[a-m]*", "[^a-m]*.gz", "*_*_*.zip", "??", "x*y*z"}
	names := []string{"", "a", "abc", "a.sql", "b.sql.gz", "xaybzc", "n.gz", "a_b_c.zip", "ab", "xyz", "é", "ééé.sql"}
	for _, p := range pats {
		m := MustMatcher(p)
		for _, n := range names {
			want, err := path.Match(p, n)
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Match(n); got != want {
				t.Errorf("Match(%q, %q) = %v, path.Match says %v", p, n, got, want)
			}
		}
	}
}

func TestMatcherErrors(t *testing.T) {
	for _, p := range []string{"[a-", "{a,b", "a}", `a\`, "dir/*.sql", "[z-a]"} {
		if _, err := NewMatcher(p); !errors.Is(err, ErrBadPattern) {
			t.Errorf("NewMatcher(%q) error = %v, want ErrBadPattern", p, err)
		}
	}
}

// BenchmarkMatch matches 1,000 realistic export names against a typical
// pattern set; an op is the 1,000 names, ns/name the figure to read.
func BenchmarkMatch(b *testing.B) {
	names := make([]string, 1000)
	for i := range names {
		switch i % 4 {
		case 0:
			names[i] = fmt.Sprintf("exports/mvdsb_2026-%02d-%02d_%04d.zip", i%12+1, i%28+1, i)
		case 1:
			names[i] = fmt.Sprintf("exports/crm_%06d.sql.gz", i)
		case 2:
			names[i] = fmt.Sprintf("exports/readme_%d.txt", i)
		default:
			names[i] = fmt.Sprintf("exports/billing-%d.sql.zst", i)
		}
	}
	m := MustMatcher("mvdsb_*.zip", "crm_[0-9]*.sql.{gz,zst}", "billing-?*.sql.zst")
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for _, name := range names {
			if m.Match(name) {
				n++
			}
		}
	}
	if n == 0 {
		b.Fatal("nothing matched")
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(names)), "ns/name")
}
