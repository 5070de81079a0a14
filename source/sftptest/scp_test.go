package sftptest

import (
	"slices"
	"testing"
)

func TestSplitWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{`scp -f -- '/a b/c'`, []string{"scp", "-f", "--", "/a b/c"}},
		{`scp -f -- 'x$(touch PWNED)'\''; y.sql'`, []string{"scp", "-f", "--", "x$(touch PWNED)'; y.sql"}},
		{`scp -f "a\"b"`, []string{"scp", "-f", `a"b`}},
		{`scp -f a\ b`, []string{"scp", "-f", "a b"}},
	} {
		got, err := splitWords(tc.in)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("splitWords(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	// What a shell would expand or run is refused, not served.
	for _, bad := range []string{"scp -f x$(touch y)", "scp -f `id`", "scp -f a; rm b", "scp -f *.sql", `scp -f "$HOME"`, "scp -f 'open", "scp -f a|b"} {
		if _, err := splitWords(bad); err == nil {
			t.Errorf("splitWords(%q) accepted", bad)
		}
	}
}
