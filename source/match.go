package source

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrBadPattern is wrapped by the error NewMatcher returns for a malformed pattern.
var ErrBadPattern = errors.New("source: malformed pattern")

// Matcher selects file names by shell glob patterns. It is compiled once by
// NewMatcher; Match does not allocate and is safe for concurrent use.
//
// Patterns match a name's base name (what follows the last '/'):
//
//   - any run of characters, possibly empty
//     ?        any one character
//     [a-z0-9] one character of the class; [!...] or [^...] negates it
//     {a,b}    any of the comma-separated alternatives (may nest)
//     \x       the character x itself
//
// A Matcher with no patterns matches every name.
type Matcher struct {
	pats []pattern
	// byFirst lists, for each first byte of a name, the patterns that can
	// match a name starting with it: those whose literal prefix starts with
	// that byte, and those without a literal prefix.
	byFirst [256][]uint16
	// anyEmpty lists the patterns that can match the empty name.
	anyEmpty []uint16
}

type tokKind uint8

const (
	tokLit tokKind = iota
	tokAny
	tokClass
	tokStar
)

type token struct {
	kind   tokKind
	lit    string      // tokLit
	ranges []runeRange // tokClass
	negate bool        // tokClass
}

type runeRange struct{ lo, hi rune }

type pattern struct {
	prefix, suffix string // literal text every match starts and ends with
	minLen         int    // fewest bytes a match can have
	exact          bool   // no wildcards: the name must equal prefix
	// mid are the tokens between the prefix and the suffix tokens; when it
	// is a single star (or empty), the prefix and suffix checks decide.
	mid     []token
	trivial bool
}

// NewMatcher compiles patterns. Brace alternatives are expanded at compile
// time, so a pattern with braces becomes several simple patterns.
func NewMatcher(patterns ...string) (*Matcher, error) {
	m := &Matcher{}
	for _, p := range patterns {
		alts, err := expandBraces(p)
		if err != nil {
			return nil, fmt.Errorf("%w %q: %v", ErrBadPattern, p, err)
		}
		for _, a := range alts {
			cp, err := compile(a)
			if err != nil {
				return nil, fmt.Errorf("%w %q: %v", ErrBadPattern, p, err)
			}
			m.pats = append(m.pats, cp)
		}
	}
	if len(m.pats) > 1<<16 {
		return nil, fmt.Errorf("%w: too many patterns after brace expansion", ErrBadPattern)
	}
	for i, p := range m.pats {
		id := uint16(i)
		if p.minLen == 0 {
			m.anyEmpty = append(m.anyEmpty, id)
		}
		if p.prefix != "" {
			m.byFirst[p.prefix[0]] = append(m.byFirst[p.prefix[0]], id)
			continue
		}
		for c := range m.byFirst {
			m.byFirst[c] = append(m.byFirst[c], id)
		}
	}
	return m, nil
}

// MustMatcher is like NewMatcher but panics on a malformed pattern. It is
// meant for patterns written in the program's source.
func MustMatcher(patterns ...string) *Matcher {
	m, err := NewMatcher(patterns...)
	if err != nil {
		panic(err)
	}
	return m
}

// Match reports whether the base name of name matches any pattern.
func (m *Matcher) Match(name string) bool {
	if m == nil || len(m.pats) == 0 {
		return true
	}
	// Forward IndexByte is vectorised; LastIndexByte is a byte loop.
	for {
		i := strings.IndexByte(name, '/')
		if i < 0 {
			break
		}
		name = name[i+1:]
	}
	cands := m.anyEmpty
	if name != "" {
		cands = m.byFirst[name[0]]
	}
	for _, i := range cands {
		p := &m.pats[i]
		if len(name) < p.minLen || !strings.HasPrefix(name, p.prefix) || !strings.HasSuffix(name, p.suffix) {
			continue
		}
		if p.exact {
			if len(name) == len(p.prefix) {
				return true
			}
			continue
		}
		if p.trivial || match(p.mid, name[len(p.prefix):len(name)-len(p.suffix)]) {
			return true
		}
	}
	return false
}

// match is the classic iterative glob match: on a mismatch it backtracks to
// the last star and lets it swallow one more character. It runs in
// O(len(toks)*len(name)) time at worst and never allocates.
func match(toks []token, s string) bool {
	ti, si := 0, 0
	starT, starS := -1, 0
	for {
		if ti < len(toks) {
			t := &toks[ti]
			switch t.kind {
			case tokStar:
				if ti == len(toks)-1 {
					return true // a final star takes the rest
				}
				starT, starS = ti, si
				ti++
				if ti < len(toks) && toks[ti].kind == tokLit {
					// Jump to the next place the following literal occurs.
					j := strings.Index(s[si:], toks[ti].lit)
					if j < 0 {
						return false
					}
					starS = si + j
					si = starS
				}
				continue
			case tokLit:
				if strings.HasPrefix(s[si:], t.lit) {
					ti++
					si += len(t.lit)
					continue
				}
			case tokAny:
				if si < len(s) {
					_, n := decodeRune(s[si:])
					ti++
					si += n
					continue
				}
			case tokClass:
				if si < len(s) {
					r, n := decodeRune(s[si:])
					if t.matchRune(r) {
						ti++
						si += n
						continue
					}
				}
			}
		} else if si == len(s) {
			return true
		}
		// Mismatch: let the last star take one more character.
		if starT < 0 || starS >= len(s) {
			return false
		}
		_, n := decodeRune(s[starS:])
		starS += n
		ti, si = starT+1, starS
	}
}

func decodeRune(s string) (rune, int) {
	if s[0] < utf8.RuneSelf {
		return rune(s[0]), 1
	}
	return utf8.DecodeRuneInString(s)
}

func (t *token) matchRune(r rune) bool {
	in := false
	for _, rr := range t.ranges {
		if rr.lo <= r && r <= rr.hi {
			in = true
			break
		}
	}
	return in != t.negate
}

func compile(p string) (pattern, error) {
	var cp pattern
	var toks []token
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			toks = append(toks, token{kind: tokLit, lit: lit.String()})
			cp.minLen += lit.Len()
			lit.Reset()
		}
	}
	for i := 0; i < len(p); {
		c := p[i]
		switch c {
		case '*':
			flush()
			if n := len(toks); n == 0 || toks[n-1].kind != tokStar {
				toks = append(toks, token{kind: tokStar})
			}
			i++
		case '?':
			flush()
			toks = append(toks, token{kind: tokAny})
			cp.minLen++
			i++
		case '[':
			flush()
			t, n, err := compileClass(p[i:])
			if err != nil {
				return cp, err
			}
			toks = append(toks, t)
			cp.minLen++
			i += n
		case '\\':
			if i+1 >= len(p) {
				return cp, errors.New("trailing backslash")
			}
			_, n := utf8.DecodeRuneInString(p[i+1:])
			lit.WriteString(p[i+1 : i+1+n])
			i += 1 + n
		case '/':
			return cp, errors.New("patterns match base names and cannot hold '/'")
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	switch n := len(toks); {
	case n == 0:
		cp.exact = true
	case n == 1 && toks[0].kind == tokLit:
		cp.prefix, cp.exact = toks[0].lit, true
	default:
		mid := toks
		if toks[0].kind == tokLit {
			cp.prefix = toks[0].lit
			mid = mid[1:]
		}
		if last := toks[n-1]; last.kind == tokLit {
			cp.suffix = last.lit
			mid = mid[:len(mid)-1]
		}
		cp.mid = mid
		cp.trivial = len(mid) == 0 || (len(mid) == 1 && mid[0].kind == tokStar)
	}
	return cp, nil
}

// compileClass compiles the bracket expression at the start of p and returns
// the number of bytes it used.
func compileClass(p string) (token, int, error) {
	t := token{kind: tokClass}
	i := 1
	if i < len(p) && (p[i] == '!' || p[i] == '^') {
		t.negate = true
		i++
	}
	first := true
	for {
		if i >= len(p) {
			return t, 0, errors.New("unterminated [")
		}
		if p[i] == ']' && !first {
			return t, i + 1, nil
		}
		first = false
		lo, n, err := classRune(p[i:])
		if err != nil {
			return t, 0, err
		}
		i += n
		hi := lo
		if i+1 < len(p) && p[i] == '-' && p[i+1] != ']' {
			hi, n, err = classRune(p[i+1:])
			if err != nil {
				return t, 0, err
			}
			i += 1 + n
			if hi < lo {
				return t, 0, fmt.Errorf("bad range %c-%c", lo, hi)
			}
		}
		t.ranges = append(t.ranges, runeRange{lo, hi})
	}
}

func classRune(p string) (rune, int, error) {
	if p[0] == '\\' {
		if len(p) < 2 {
			return 0, 0, errors.New("trailing backslash")
		}
		r, n := utf8.DecodeRuneInString(p[1:])
		return r, n + 1, nil
	}
	r, n := utf8.DecodeRuneInString(p)
	return r, n, nil
}

// expandBraces expands {a,b} alternatives (nested allowed) into plain patterns.
func expandBraces(p string) ([]string, error) {
	open := -1
	depth := 0
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case '[':
			// Skip a class: braces inside it are literal.
			j := i + 1
			if j < len(p) && (p[j] == '!' || p[j] == '^') {
				j++
			}
			if j < len(p) && p[j] == ']' {
				j++
			}
			for j < len(p) && p[j] != ']' {
				if p[j] == '\\' {
					j++
				}
				j++
			}
			i = j
		case '{':
			if depth == 0 {
				open = i
			}
			depth++
		case '}':
			if depth == 0 {
				return nil, errors.New("unmatched }")
			}
			depth--
			if depth == 0 {
				var out []string
				for _, alt := range splitAlternatives(p[open+1 : i]) {
					sub, err := expandBraces(p[:open] + alt + p[i+1:])
					if err != nil {
						return nil, err
					}
					out = append(out, sub...)
				}
				return out, nil
			}
		}
	}
	if depth != 0 {
		return nil, errors.New("unterminated {")
	}
	return []string{p}, nil
}

// splitAlternatives splits s at the commas that are not nested in braces.
func splitAlternatives(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '{':
			depth++
		case '}':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}
