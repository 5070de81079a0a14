package sqlparse

import (
	"bytes"
	"fmt"
)

// Verb says what a statement of kind Other does to the object it names,
// for the DDL that sinks stage, order and swap.
type Verb uint8

// The verbs.
const (
	// NoVerb is any statement not classified below.
	NoVerb Verb = iota
	// Create is CREATE (with OR REPLACE, TEMPORARY, DEFINER=… and the other
	// words before the object's kind).
	Create
	// Alter is ALTER.
	Alter
	// Drop is DROP.
	Drop
	// Truncate is TRUNCATE.
	Truncate
	// Rename is RENAME TABLE (MySQL); Name is the first table renamed.
	Rename
	// Use is MySQL's USE db; Object is Database.
	Use
)

var verbNames = [...]string{NoVerb: "", Create: "create", Alter: "alter", Drop: "drop", Truncate: "truncate", Rename: "rename", Use: "use"}

// String returns the verb's name ("" for NoVerb).
func (v Verb) String() string {
	if int(v) < len(verbNames) {
		return verbNames[v]
	}
	return fmt.Sprintf("Verb(%d)", v)
}

// Object is the kind of object a DDL statement names.
type Object uint8

// The objects.
const (
	// NoObject is an object not listed below (a role, a user, an
	// aggregate, …) or a statement with no Verb.
	NoObject Object = iota
	Table
	View
	MaterializedView
	Trigger
	Procedure
	Function
	Event
	// Database is a MySQL database (CREATE DATABASE or CREATE SCHEMA, the
	// same there), a PostgreSQL or SQLite database.
	Database
	// Schema is a PostgreSQL schema.
	Schema
	Index
	Sequence
	// Type is a type or a domain.
	Type
	Extension
)

var objectNames = [...]string{NoObject: "", Table: "table", View: "view", MaterializedView: "materialized view",
	Trigger: "trigger", Procedure: "procedure", Function: "function", Event: "event", Database: "database",
	Schema: "schema", Index: "index", Sequence: "sequence", Type: "type", Extension: "extension"}

// String returns the object kind's name ("" for NoObject).
func (o Object) String() string {
	if int(o) < len(objectNames) {
		return objectNames[o]
	}
	return fmt.Sprintf("Object(%d)", o)
}

// objectWords maps the word (or first word) naming an object's kind to it.
var objectWords = map[string]Object{
	"TABLE": Table, "VIEW": View, "MATERIALIZED": MaterializedView, "TRIGGER": Trigger,
	"PROCEDURE": Procedure, "FUNCTION": Function, "EVENT": Event, "DATABASE": Database,
	"SCHEMA": Schema, "INDEX": Index, "SEQUENCE": Sequence, "TYPE": Type, "DOMAIN": Type,
	"EXTENSION": Extension,
}

// createWords are the words that may stand between CREATE and the object's
// kind, other than those with a value (ALGORITHM=, DEFINER=, SQL SECURITY).
var createWords = words("OR REPLACE TEMPORARY TEMP UNLOGGED GLOBAL LOCAL UNIQUE FULLTEXT SPATIAL RECURSIVE " +
	"AGGREGATE CONSTRAINT ONLINE OFFLINE IGNORE DEFINITION")

// ddl sets st.Verb, st.Object, st.Name and, for triggers and indexes,
// st.Table, from the text of a statement of kind Other. MySQL conditional
// comment markers (/*!NNNNN and their */) are read through.
func (r *Reader) ddl(st *Statement) {
	t := ddlText{r: r, b: st.Text}
	w := t.word()
	var v Verb
	switch {
	case equalFold(w, "create"):
		v = Create
	case equalFold(w, "alter"):
		v = Alter
	case equalFold(w, "drop"):
		v = Drop
	case equalFold(w, "truncate"):
		v = Truncate
	case equalFold(w, "rename"):
		v = Rename
	case equalFold(w, "use") && r.dialect == MySQL:
		st.Verb, st.Object, st.Name = Use, Database, t.name()
		return
	default:
		return
	}
	st.Verb = v
	w = t.word()
	for v == Create || v == Alter {
		switch {
		case equalFold(w, "algorithm") || equalFold(w, "definer"):
			t.value()
		case equalFold(w, "sql"):
			t.word() // SECURITY
			t.word() // DEFINER, INVOKER
		case isWord(createWords, w):
		default:
			goto kind
		}
		w = t.word()
	}
kind:
	if v == Truncate && !equalFold(w, "table") {
		// TRUNCATE t
		t.back(w)
		st.Object, st.Name = Table, t.name()
		st.Table = st.Name
		return
	}
	o, ok := lookupWord(objectWords, w)
	if !ok {
		return
	}
	if o == MaterializedView {
		t.word() // VIEW
	}
	if o == Schema && r.dialect == MySQL {
		o = Database
	}
	st.Object = o
	t.skipIf("concurrently")
	t.skipIf("if")
	t.skipIf("not")
	t.skipIf("exists")
	t.skipIf("only")
	if o == Index && t.peekFold("on") {
		// CREATE INDEX ON t (…): no name.
		t.word()
		t.skipIf("only")
		st.Table = t.name()
		return
	}
	st.Name = t.name()
	switch o {
	case Table:
		st.Table = st.Name
	case Index, Trigger:
		if v != Create {
			return
		}
		// The table comes after the first ON.
		for t.i < len(t.b) {
			w := t.word()
			if w == nil {
				t.i++
				continue
			}
			if equalFold(w, "on") {
				t.skipIf("only")
				st.Table = t.name()
				return
			}
		}
	}
}

// lookupWord returns what m holds for the word w upper-cased (keys are at
// most 16 bytes), without allocating.
func lookupWord[V any](m map[string]V, w []byte) (V, bool) {
	var up [16]byte
	if len(w) > len(up) {
		var zero V
		return zero, false
	}
	for i, c := range w {
		up[i] = upper(c)
	}
	v, ok := m[string(up[:len(w)])]
	return v, ok
}

// isWord reports whether the word w, upper-cased, is in set.
func isWord(set map[string]bool, w []byte) bool {
	v, _ := lookupWord(set, w)
	return v
}

// ddlText reads the words and names at the start of a statement's text.
type ddlText struct {
	r    *Reader
	b    []byte
	i    int
	cond int // open conditional comments
}

// space skips white space, comments and conditional comment markers.
func (t *ddlText) space() {
	b := t.b
	for t.i < len(b) {
		c := b[t.i]
		switch {
		case spaceTab[c]:
			t.i++
		case c == '/' && t.i+1 < len(b) && b[t.i+1] == '*':
			if t.r.dialect == MySQL && t.i+2 < len(b) && (b[t.i+2] == '!' || b[t.i+2] == 'M') {
				j := t.i + 3
				if b[t.i+2] == 'M' && j < len(b) && b[j] == '!' {
					j++
				}
				for j < len(b) && '0' <= b[j] && b[j] <= '9' {
					j++
				}
				t.i = j
				t.cond++
				continue
			}
			k := bytes.Index(b[t.i+2:], []byte("*/"))
			if k < 0 {
				t.i = len(b)
				return
			}
			t.i += k + 4
		case c == '*' && t.cond > 0 && t.i+1 < len(b) && b[t.i+1] == '/':
			t.cond--
			t.i += 2
		case c == '-' && t.i+1 < len(b) && b[t.i+1] == '-', c == '#' && t.r.dialect == MySQL:
			k := bytes.IndexByte(b[t.i:], '\n')
			if k < 0 {
				t.i = len(b)
				return
			}
			t.i += k + 1
		default:
			return
		}
	}
}

// word returns the next unquoted word, or nil.
func (t *ddlText) word() []byte {
	t.space()
	j := t.i
	for j < len(t.b) && identTab[t.b[j]] {
		j++
	}
	w := t.b[t.i:j]
	t.i = j
	if len(w) == 0 {
		return nil
	}
	return w
}

// back goes back to the word w that word returned.
func (t *ddlText) back(w []byte) { t.i -= len(w) }

// peekFold reports whether the next word is w.
func (t *ddlText) peekFold(w string) bool {
	i := t.i
	got := t.word()
	t.i = i
	return equalFold(got, w)
}

// skipIf skips the next word if it is w.
func (t *ddlText) skipIf(w string) {
	if t.peekFold(w) {
		t.word()
	}
}

// value skips "= value" after ALGORITHM or DEFINER: a word, a quoted
// string or identifier, or user@host, or a call such as CURRENT_USER().
func (t *ddlText) value() {
	t.space()
	if t.i < len(t.b) && t.b[t.i] == '=' {
		t.i++
	}
	for {
		t.space()
		if t.i >= len(t.b) {
			return
		}
		switch c := t.b[t.i]; {
		case c == '\'' || c == '"' || c == '`':
			t.i = skipQuoted(t.b, t.i, c, false, true)
			if t.i < 0 {
				t.i = len(t.b)
			}
		case identTab[c]:
			t.word()
		default:
			return
		}
		switch {
		case t.i < len(t.b) && t.b[t.i] == '@':
			t.i++
		case t.i+1 < len(t.b) && t.b[t.i] == '(' && t.b[t.i+1] == ')':
			t.i += 2
			return
		default:
			return
		}
	}
}

// name returns the next, possibly qualified, name unquoted, with its parts
// joined by dots, as Statement.Table holds names.
func (t *ddlText) name() string {
	t.space()
	nb := t.r.ddlBuf[:0]
	defer func() { t.r.ddlBuf = nb }()
	for {
		if t.i >= len(t.b) {
			break
		}
		c := t.b[t.i]
		switch {
		case c == '"' || c == '`' && t.r.dialect != Postgres || c == '[' && t.r.dialect == SQLite:
			end := byte(c)
			if c == '[' {
				end = ']'
			}
			j := t.i + 1
			for j < len(t.b) {
				if t.b[j] == end {
					if end != ']' && j+1 < len(t.b) && t.b[j+1] == end {
						nb = append(nb, end)
						j += 2
						continue
					}
					break
				}
				nb = append(nb, t.b[j])
				j++
			}
			t.i = min(j+1, len(t.b))
		case identTab[c]:
			j := t.i
			for j < len(t.b) && identTab[t.b[j]] {
				j++
			}
			nb = append(nb, t.b[t.i:j]...)
			t.i = j
		default:
			return t.r.intern(nb)
		}
		if t.i < len(t.b) && t.b[t.i] == '.' {
			nb = append(nb, '.')
			t.i++
			continue
		}
		return t.r.intern(nb)
	}
	return t.r.intern(nb)
}

// intern returns b as a string, the same string for the same name each
// time, so that a dump read again allocates no names.
func (r *Reader) intern(b []byte) string {
	if s, ok := r.ddlNames[string(b)]; ok {
		return s
	}
	if r.ddlNames == nil || len(r.ddlNames) > 4096 {
		r.ddlNames = map[string]string{}
	}
	s := string(b)
	r.ddlNames[s] = s
	return s
}
