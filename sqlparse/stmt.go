package sqlparse

import (
	"bytes"
)

// statement reads the next statement into r.st. It returns false at the end
// of the input. It may return errNeedMore; it is then called again, from
// r.pos, after the buffer was refilled.
func (r *Reader) statement() (bool, error) {
	b := r.buf[:r.end]
	i := r.pos
	// Skip white space, comments and empty statements.
	for {
		for i < len(b) && spaceTab[b[i]] {
			i++
		}
		r.pos = i
		if i >= len(b) {
			if r.eof {
				return false, nil
			}
			return false, errNeedMore
		}
		if b[i] == '/' && r.dialect == MySQL && bytes.HasPrefix(b[i:], sandbox) {
			break
		}
		j, ok, err := r.comment(b, i)
		if err != nil {
			return false, err
		}
		if ok {
			if b[i] == '-' {
				r.noteComment(b, i, j)
			}
			i = j
			continue
		}
		d, err := r.isDelim(b, i)
		if err != nil {
			return false, err
		}
		if d {
			i += len(r.delim)
			continue
		}
		break
	}
	s := i
	r.mark = s
	r.countLines(r.base + int64(s))
	st := &r.st
	*st = Statement{Dialect: r.dialect, Line: r.line, Offset: r.base + int64(s), Num: r.num + 1}

	switch c := b[s]; {
	case c == '\\':
		// psql meta-command (\connect, \c, \restrict) or MySQL client
		// command (\. file): the rest of the line.
		return r.metaLine(b, s)
	case c == '/' && r.dialect == MySQL && bytes.HasPrefix(b[s:], sandbox):
		// MariaDB's /*M!999999\- enable the sandbox mode */: a client
		// command without a delimiter.
		k := bytes.Index(b[s:], []byte("*/"))
		if k < 0 {
			if r.eof {
				return false, r.errAt(s, "unterminated comment")
			}
			return false, errNeedMore
		}
		return r.done(Meta, b[s:s+k+2], s+k+2)
	case identTab[c]:
		e, err := r.wordEnd(b, s)
		if err != nil {
			return false, err
		}
		w := b[s:e]
		after := byte(' ')
		if e < len(b) {
			after = b[e]
		}
		if !r.allow.AnyStatement && !r.isStatementWord(w) &&
			!(r.dialect == MySQL && (equalFold(w, "delimiter") || equalFold(w, "source"))) {
			return false, r.notSQL(b, s)
		}
		switch {
		case r.dialect == MySQL && equalFold(w, "delimiter") && (after == ' ' || after == '\t'):
			return r.delimiter(b, s, e)
		case r.dialect == MySQL && equalFold(w, "source") && (after == ' ' || after == '\t'):
			return r.metaLine(b, s)
		case r.dialect == MySQL && equalFold(w, "use") && spaceTab[after]:
			end, next, err := r.scanStmt(e, scanUse)
			if err != nil {
				return false, err
			}
			return r.done(Other, b[s:end], next)
		case equalFold(w, "insert") || equalFold(w, "replace"):
			ok, err := r.insert(b, s, e)
			if err != nil || ok {
				return ok, err
			}
		case r.dialect == Postgres && equalFold(w, "copy"):
			return r.copyStmt(b, s)
		case r.dialect != MySQL && equalFold(w, "create"):
			mode, err := r.createMode(b, e)
			if err != nil {
				return false, err
			}
			end, next, err := r.scanStmt(e, mode)
			if err != nil {
				return false, err
			}
			return r.other(b, s, end, next)
		}
	}
	if !identTab[b[s]] && !r.allow.AnyStatement && !(r.dialect == MySQL && (bytes.HasPrefix(b[s:], []byte("/*!")) || bytes.HasPrefix(b[s:], []byte("/*M!")))) {
		if len(b)-s < 4 && r.dialect == MySQL && !r.eof {
			return false, errNeedMore
		}
		return false, r.notSQL(b, s)
	}
	end, next, err := r.scanStmt(s, scanPlain)
	if err != nil {
		return false, err
	}
	return r.other(b, s, end, next)
}

var sandbox = []byte(`/*M!999999\-`)

// done finishes a statement of kind k with text t that ends before b[next].
func (r *Reader) done(k Kind, t []byte, next int) (bool, error) {
	r.num++
	r.st.Kind = k
	r.st.Text = trimSpace(t)
	r.pos = next
	return true, nil
}

// other finishes a statement of kind Other that ends at b[end] and notes the
// settings that change how later statements are read.
func (r *Reader) other(b []byte, s, end, next int) (bool, error) {
	if end == len(b) && r.eof && (len(r.delim) != 1 || r.delim[0] != ';') {
		return false, r.errAt(s, "unterminated statement in DELIMITER "+string(r.delim)+" block")
	}
	if end == len(b) && r.eof {
		if !r.pieceEnd && !r.allow.Unterminated {
			return false, r.errAtErr(s, "the last statement ends with the input, without "+string(r.delim)+" (truncated dump?)", ErrIncomplete)
		}
		r.eofEnd = true
	}
	t := trimSpace(b[s:end])
	switch r.dialect {
	case MySQL:
		if len(t) < 4096 {
			for u := t; ; {
				k := indexFold(u, "sql_mode")
				if k < 0 {
					break
				}
				if k == 0 || !identTab[u[k-1]] && u[k-1] != '@' {
					r.sqlMode(u[k+8:])
				}
				u = u[k+8:]
			}
		}
	case Postgres:
		if len(t) < 256 && hasPrefixFold(t, "set") {
			if k := indexFold(t, "standard_conforming_strings"); k >= 0 {
				v := t[k+len("standard_conforming_strings"):]
				switch {
				case hasFold(v, "off"), hasFold(v, "false"):
					r.stdStrings = false
				case hasFold(v, "on"), hasFold(v, "true"), hasFold(v, "default"):
					r.stdStrings = true
				}
			}
		}
	}
	return r.done(Other, t, next)
}

// sqlMode notes NO_BACKSLASH_ESCAPES from the text after "sql_mode" in a
// statement: SQL_MODE='...' sets it or clears it, SQL_MODE=@OLD_SQL_MODE
// restores the default.
func (r *Reader) sqlMode(t []byte) {
	i := 0
	for i < len(t) && spaceTab[t[i]] {
		i++
	}
	if i >= len(t) || t[i] != '=' && !hasPrefixFold(t[i:], ":=") {
		return
	}
	if t[i] == ':' {
		i++
	}
	i++
	for i < len(t) && spaceTab[t[i]] {
		i++
	}
	if i < len(t) && (t[i] == '\'' || t[i] == '"') {
		q := t[i]
		k := bytes.IndexByte(t[i+1:], q)
		if k < 0 {
			return
		}
		r.noBackslash = hasFold(t[i+1:i+1+k], "NO_BACKSLASH_ESCAPES")
		return
	}
	r.noBackslash = false
}

// metaLine reads a client command that ends at the end of its line.
func (r *Reader) metaLine(b []byte, s int) (bool, error) {
	k := bytes.IndexByte(b[s:], '\n')
	if k < 0 {
		if !r.eof {
			return false, errNeedMore
		}
		return r.done(Meta, b[s:], len(b))
	}
	return r.done(Meta, b[s:s+k], s+k+1)
}

// delimiter reads a MySQL DELIMITER command; the keyword ends at b[e].
func (r *Reader) delimiter(b []byte, s, e int) (bool, error) {
	k := bytes.IndexByte(b[e:], '\n')
	end := len(b)
	if k < 0 {
		if !r.eof {
			return false, errNeedMore
		}
	} else {
		end = e + k
	}
	arg := trimSpace(b[e:end])
	if n := bytes.IndexAny(arg, " \t"); n >= 0 {
		arg = arg[:n]
	}
	if len(arg) == 0 {
		return false, r.errAt(e, "DELIMITER without a delimiter")
	}
	if len(arg) > 16 {
		return false, r.errAt(e, "DELIMITER longer than 16 bytes")
	}
	r.delim = append(r.delimBuf[:0], arg...)
	r.delimBuf = r.delim
	r.setDialect()
	next := end
	if next < len(b) {
		next++
	}
	return r.done(Meta, b[s:end], next)
}

// createMode returns how to find the end of the CREATE statement whose
// keyword ends at b[e]: SQLite triggers end at "; END;" and PostgreSQL
// functions and procedures may have BEGIN ATOMIC ... END bodies.
func (r *Reader) createMode(b []byte, e int) (scanMode, error) {
	for n := 0; n < 3; n++ {
		i, err := r.sp(b, e)
		if err != nil {
			return scanPlain, err
		}
		j, err := r.wordEnd(b, i)
		if err != nil {
			return scanPlain, err
		}
		w := b[i:j]
		e = j
		switch {
		case r.dialect == SQLite && equalFold(w, "trigger"):
			return scanTrigger, nil
		case r.dialect == Postgres && (equalFold(w, "function") || equalFold(w, "procedure")):
			return scanBlocks, nil
		case equalFold(w, "temp") || equalFold(w, "temporary") || equalFold(w, "or") || equalFold(w, "replace"):
		default:
			return scanPlain, nil
		}
	}
	return scanPlain, nil
}
