package sink

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dumpline/importer/sqlparse"
)

// The post-data section of a pg_dump file (index builds, triggers, foreign
// keys) is queued while it arrives and run at the next statement that is
// none of these, or at the end:
//
//  1. the unique indexes and primary keys, and every index of a table that
//     a foreign key is added to, several at once;
//  2. the foreign keys, added NOT VALID (instant);
//  3. the other index builds alongside the validation of the foreign keys:
//     VALIDATE CONSTRAINT takes a SHARE UPDATE EXCLUSIVE lock on the
//     table the key is added to and only ROW SHARE on the one it
//     references, so it does not wait for the index builds of step 3,
//     while ADD FOREIGN KEY (SHARE ROW EXCLUSIVE on both) would;
//  4. the triggers, in the dump's order.
//
// Run one after the other, the check of a foreign key (a join of both
// tables) waited for the longest index build of the table it references.

// pgFK is a foreign key of the dump, queued.
type pgFK struct {
	pos      jobStmt
	table    string // the table the key is added to, as the dump names it
	name     string // the constraint, as the dump writes it
	add      string // the statement as run: NOT VALID when validate is set
	validate string // the VALIDATE CONSTRAINT, or "" (no split)
	size     int64  // of both tables
}

// pgPost is a queued statement that runs on the load's connection.
type pgPost struct {
	pos   jobStmt
	table string
	sql   string
}

var (
	fkReferences = regexp.MustCompile(`(?is)\bREFERENCES\s+((?:"(?:[^"]|"")+"|[^\s(."]+)(?:\s*\.\s*(?:"(?:[^"]|"")+"|[^\s(."]+))?)`)
	fkNotValid   = regexp.MustCompile(`(?is)\bNOT\s+VALID\s*;?\s*$`)
)

// isForeignKey reports whether st is ALTER TABLE … ADD CONSTRAINT …
// FOREIGN KEY and nothing else, as pg_dump writes it.
func isForeignKey(upper string, text []byte) bool {
	if !strings.HasPrefix(upper, "ALTER TABLE ") {
		return false
	}
	t := bytes.ToUpper(text)
	return bytes.Contains(t, []byte(" ADD CONSTRAINT ")) && bytes.Contains(t, []byte(" FOREIGN KEY")) &&
		bytes.Count(t, []byte(" ADD ")) == 1
}

// fkJob queues a foreign key, split into ADD … NOT VALID and VALIDATE
// CONSTRAINT when both tables are plain tables (PostgreSQL before 18
// refuses NOT VALID on a partitioned table).
func (l *pgLoad) fkJob(ctx context.Context, st *sqlparse.Statement, text []byte) error {
	if err := l.finishRows(); err != nil {
		return err
	}
	sql := string(l.rw.rewrite(text))
	fk := &pgFK{pos: posOf(st, 1), table: st.Table, add: sql}
	m := fkReferences.FindStringSubmatch(sql)
	name := addConstraint.FindSubmatch(text)
	if m != nil && name != nil && !fkNotValid.MatchString(sql) {
		// A name this cannot look up leaves the key as written (outside
		// Append the load's connection holds no transaction to spoil).
		var plain bool
		err := l.conn.QueryRow(ctx, `SELECT bool_and(c.relkind = 'r'), sum(pg_relation_size(c.oid))::bigint FROM pg_class c
			WHERE c.oid IN ($1::regclass, $2::regclass)`, l.qualified(st.Table), m[1]).Scan(&plain, &fk.size)
		if err == nil && plain {
			fk.name = string(name[1])
			fk.add = strings.TrimRight(strings.TrimSpace(sql), "; \t\n") + " NOT VALID"
			only := ""
			if strings.HasPrefix(strings.ToUpper(sql), "ALTER TABLE ONLY ") {
				only = "ONLY "
			}
			fk.validate = "ALTER TABLE " + only + l.qualified(st.Table) + " VALIDATE CONSTRAINT " + fk.name
		}
	}
	l.fks = append(l.fks, fk)
	l.mu.Lock()
	l.deferred = append(l.deferred, deferredName(st, text))
	l.mu.Unlock()
	return nil
}

// triggerJob queues a CREATE TRIGGER: a trigger takes a lock that waits
// for the index builds of its table, and none of them needs it.
func (l *pgLoad) triggerJob(st *sqlparse.Statement, text []byte) error {
	l.triggers = append(l.triggers, pgPost{
		pos:   posOf(st, 1),
		table: st.Table,
		sql:   string(l.rw.rewrite(text)),
	})
	return nil
}

// runPost runs the queued post-data section (see the top of the file); the
// rows before it have all been loaded.
func (l *pgLoad) runPost() error {
	builds, fks, triggers := l.pending, l.fks, l.triggers
	l.pending, l.fks, l.triggers = nil, nil, nil
	if len(builds) == 0 && len(fks) == 0 && len(triggers) == 0 {
		return nil
	}
	var split []*pgFK
	for _, fk := range fks {
		if fk.validate != "" {
			split = append(split, fk)
		}
	}
	if len(split) > 0 {
		keyed := map[string]bool{}
		for _, fk := range split {
			keyed[fk.table] = true
		}
		var first, later []*pgJob
		for _, j := range builds {
			if j.unique || keyed[j.table] {
				first = append(first, j)
			} else {
				later = append(later, j)
			}
		}
		if err := l.startJobs(first); err != nil {
			return err
		}
		if err := l.waitJobs(false); err != nil {
			return err
		}
		for _, fk := range split {
			if err := l.execSQL(l.ctx, fk.add); err != nil {
				return fk.pos.err(fk.table, l.wrap(err, "add foreign key "+fk.name))
			}
		}
		builds = append(later, l.validations(split)...)
	}
	if err := l.startJobs(builds); err != nil {
		return err
	}
	if err := l.waitJobs(false); err != nil {
		return err
	}
	for _, fk := range fks {
		if fk.validate == "" {
			if err := l.execSQL(l.ctx, fk.add); err != nil {
				return fk.pos.err(fk.table, err)
			}
		}
	}
	for _, t := range triggers {
		if err := l.execSQL(l.ctx, t.sql); err != nil {
			return t.pos.err(t.table, err)
		}
	}
	return nil
}

// validations returns the jobs that validate the foreign keys: one a
// table, its keys one after the other (they would wait for each other's
// lock).
func (l *pgLoad) validations(fks []*pgFK) []*pgJob {
	var jobs []*pgJob
	by := map[string]*pgJob{}
	for _, fk := range fks {
		j := by[fk.table]
		if j == nil {
			j = l.newJob(&sqlparse.Statement{Table: fk.table})
			by[fk.table] = j
			jobs = append(jobs, j)
		} else {
			j.ddl += ";"
		}
		j.ddl += fk.validate
		j.size += fk.size
		fk.pos.first = int64(len(j.pos) + 1)
		j.pos = append(j.pos, fk.pos)
		j.names = append(j.names, fk.name)
	}
	return jobs
}

// ddlRow returns, for a job of several statements, the one (from 1) that
// err is about: the constraint the server names.
func (j *pgJob) ddlRow(err error) int64 {
	var pe *pgconn.PgError
	if len(j.names) < 2 || !errors.As(err, &pe) {
		return 0
	}
	for i, n := range j.names {
		if strings.Trim(n, `"`) == pe.ConstraintName {
			return int64(i + 1)
		}
	}
	return 0
}

// startJobs starts index builds and validations, those of the largest
// tables first (in the dump's order for one table), so that the longest do
// not start last.
func (l *pgLoad) startJobs(jobs []*pgJob) error {
	sort.SliceStable(jobs, func(a, b int) bool { return jobs[a].size > jobs[b].size })
	for _, j := range jobs {
		select {
		case l.slots <- struct{}{}:
		case <-l.ctx.Done():
			return l.ctx.Err()
		}
		conn, err := l.jobConn(l.ctx)
		if err != nil {
			<-l.slots
			return err
		}
		l.mu.Lock()
		l.jobs = append(l.jobs, j)
		l.mu.Unlock()
		go l.runStream(j, conn, true)
	}
	return nil
}
