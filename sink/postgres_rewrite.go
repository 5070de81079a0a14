package sink

import (
	"bytes"
	"strings"
)

// pgRewriter maps the schemas a dump names onto the schemas a load writes
// to: in Replace mode each schema of the dump (public, and those it
// creates) is loaded into a staging schema of its own, and every object
// must be created there and bound to the staged objects, not the live
// ones. PostgreSQL binds views, column defaults (nextval('s'::regclass)),
// foreign keys, triggers and the signatures of functions by OID when they
// are created, so the names are rewritten in the statement's text before
// it runs:
//
//   - a schema-qualified name, schema.object, whose schema is mapped
//     (unquoted and lower-cased, or quoted as written);
//   - the schema named after the word SCHEMA (CREATE SCHEMA s, COMMENT ON
//     SCHEMA s, GRANT … ON SCHEMA s);
//   - a string literal cast to regclass ('public.s'::regclass), and the
//     literal that names the sequence of setval, nextval and currval.
//
// Comments, other string literals and dollar-quoted bodies ($$ … $$, the
// bodies of functions and procedures) are left as written: a function body
// resolves its names when it runs, after the swap, when the staged schema
// carries the live name.
type pgRewriter struct {
	schemas map[string]string // dump's schema name → loaded schema name
}

// mapped returns the schema that name is loaded into, if name is mapped.
func (w *pgRewriter) mapped(name string) (string, bool) {
	s, ok := w.schemas[name]
	return s, ok
}

// quoteIdent quotes an identifier the SQL standard's way, as PostgreSQL
// and SQLite read it.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 0x80 || (c|0x20) >= 'a' && (c|0x20) <= 'z'
}

func isIdentChar(c byte) bool {
	return isIdentStart(c) || c == '$' || c >= '0' && c <= '9'
}

// rewrite returns text with the mapped schemas replaced, or text itself
// when nothing is mapped to another name.
func (w *pgRewriter) rewrite(text []byte) []byte {
	if len(w.schemas) == 0 {
		return text
	}
	var out []byte
	last := 0 // text[last:] is not copied to out yet
	replace := func(from, to int, with string) {
		out = append(out, text[last:from]...)
		out = append(out, with...)
		last = to
	}
	var prevWord string // the last unquoted word, lower-cased
	prevDot := false    // the last token was a '.'
	seqFunc := false    // the tokens before are setval( / nextval( / currval(
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == '-' && i+1 < len(text) && text[i+1] == '-':
			if k := bytes.IndexByte(text[i:], '\n'); k >= 0 {
				i += k + 1
			} else {
				i = len(text)
			}
			continue
		case c == '/' && i+1 < len(text) && text[i+1] == '*':
			depth, j := 1, i+2
			for j < len(text) && depth > 0 {
				switch {
				case text[j] == '*' && j+1 < len(text) && text[j+1] == '/':
					depth--
					j += 2
				case text[j] == '/' && j+1 < len(text) && text[j+1] == '*':
					depth++
					j += 2
				default:
					j++
				}
			}
			i = j
			continue
		case c == '\'' || (c|0x20) == 'e' && i+1 < len(text) && text[i+1] == '\'' && (i == 0 || !isIdentChar(text[i-1])):
			esc := c != '\''
			if esc {
				i++
			}
			j := pgQuoteEnd(text, i+1, esc)
			end := min(j+1, len(text)) // after the closing quote
			body := text[i+1 : j]
			if !esc && (seqFunc || castToRegclass(text[end:])) {
				if s, n, ok := w.qualifiedPrefix(body); ok {
					replace(i+1, i+1+n, strings.ReplaceAll(quoteIdent(s), "'", "''")+".")
				}
			}
			i = end
			prevWord, prevDot, seqFunc = "", false, false
			continue
		case c == '$' && i+1 < len(text) && (text[i+1] == '$' || isIdentStart(text[i+1])) && (i == 0 || !isIdentChar(text[i-1])):
			if n := dollarTag(text[i:]); n > 0 {
				tag := text[i : i+n]
				if k := bytes.Index(text[i+n:], tag); k >= 0 {
					i += n + k + n
				} else {
					i = len(text)
				}
				prevWord, prevDot, seqFunc = "", false, false
				continue
			}
			i++
			continue
		case c == '"' || isIdentStart(c):
			start := i
			var name string
			quoted := c == '"'
			if quoted {
				var b strings.Builder
				j := i + 1
				for j < len(text) {
					if text[j] == '"' {
						if j+1 < len(text) && text[j+1] == '"' {
							b.WriteByte('"')
							j += 2
							continue
						}
						break
					}
					b.WriteByte(text[j])
					j++
				}
				name, i = b.String(), min(j+1, len(text))
			} else {
				j := i
				for j < len(text) && isIdentChar(text[j]) {
					j++
				}
				name, i = strings.ToLower(string(text[start:j])), j
			}
			qualifier := i < len(text) && text[i] == '.'
			afterSchema := prevWord == "schema" && !prevDot
			if !prevDot && (qualifier || afterSchema) {
				if s, ok := w.mapped(name); ok && s != name {
					replace(start, i, quoteIdent(s))
				}
			}
			seqFunc = false
			if j := skipSpace(text, i); j < len(text) && text[j] == '(' {
				seqFunc = name == "setval" || name == "nextval" || name == "currval"
			}
			prevWord = name
			if quoted {
				prevWord = ""
			}
			prevDot = false
			continue
		case c == '.':
			prevDot = true
			i++
			continue
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case c == '(':
			i++
			prevWord, prevDot = "", false
			continue // seqFunc stays set for the literal after "setval("
		}
		prevWord, prevDot, seqFunc = "", false, false
		i++
	}
	if out == nil {
		return text
	}
	return append(out, text[last:]...)
}

// qualifiedPrefix reports whether the literal body starts with a mapped
// schema and a dot, and returns the schema loaded and the prefix's length
// (the dot excluded... included).
func (w *pgRewriter) qualifiedPrefix(body []byte) (string, int, bool) {
	if len(body) == 0 {
		return "", 0, false
	}
	var name string
	n := 0
	if body[0] == '"' {
		k := bytes.IndexByte(body[1:], '"')
		if k < 0 {
			return "", 0, false
		}
		name, n = string(body[1:1+k]), k+2
	} else {
		for n < len(body) && isIdentChar(body[n]) {
			n++
		}
		name = strings.ToLower(string(body[:n]))
	}
	if n >= len(body) || body[n] != '.' {
		return "", 0, false
	}
	s, ok := w.mapped(name)
	if !ok || s == name {
		return "", 0, false
	}
	return s, n + 1, true
}

// castToRegclass reports whether rest starts with ::regclass.
func castToRegclass(rest []byte) bool {
	j := skipSpace(rest, 0)
	if !bytes.HasPrefix(rest[j:], []byte("::")) {
		return false
	}
	j = skipSpace(rest, j+2)
	r := rest[j:]
	for _, p := range []string{"pg_catalog.", `"pg_catalog".`} {
		if len(r) >= len(p) && bytes.EqualFold(r[:len(p)], []byte(p)) {
			r = r[len(p):]
			break
		}
	}
	if bytes.HasPrefix(r, []byte(`"regclass"`)) {
		return true
	}
	return len(r) >= 8 && bytes.EqualFold(r[:8], []byte("regclass")) && (len(r) == 8 || !isIdentChar(r[8]))
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// searchPath maps the schemas of a search_path value ("public, pg_catalog")
// onto the loaded ones.
func (w *pgRewriter) searchPath(v string) string {
	if strings.TrimSpace(v) == "" {
		return v
	}
	parts := strings.Split(v, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		name := p
		if len(p) >= 2 && p[0] == '"' && p[len(p)-1] == '"' {
			name = strings.ReplaceAll(p[1:len(p)-1], `""`, `"`)
		} else {
			name = strings.ToLower(p)
		}
		if s, ok := w.mapped(name); ok {
			p = quoteIdent(s)
		}
		parts[i] = p
	}
	return strings.Join(parts, ", ")
}
