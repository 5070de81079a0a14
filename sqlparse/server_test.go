package sqlparse

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestServerRuns(t *testing.T) {
	for _, c := range []struct {
		s         Server
		mariaOnly bool
		v         int
		want      bool
	}{
		{Server{}, false, 0, true},
		{Server{}, false, 50705, true},
		{Server{}, false, 80036, true},
		{Server{}, true, 100616, false},
		{Server{Version: 80036}, false, 80040, false},
		{Server{Version: 80036}, false, 50705, true},
		{Server{Version: 50650}, false, 50705, false},
		{Server{MariaDB: true, Version: 101106}, false, 40101, true},
		{Server{MariaDB: true, Version: 101106}, false, 50705, false},
		{Server{MariaDB: true, Version: 101106}, false, 99999, false},
		{Server{MariaDB: true, Version: 101106}, false, 100000, true},
		{Server{MariaDB: true, Version: 101106}, true, 100616, true},
		{Server{MariaDB: true, Version: 100500}, true, 100616, false},
		{Server{MariaDB: true}, true, 0, true},
	} {
		if got := c.s.runs(c.mariaOnly, c.v); got != c.want {
			t.Errorf("%+v runs(mariaOnly %v, %d) = %v, want %v", c.s, c.mariaOnly, c.v, got, c.want)
		}
	}
}

// sakila's data file holds the address table's geometry as /*!50705 0x…,*/
// among the values: a ninth value for MySQL, a comment for MariaDB (whose
// sakila schema has no such column either).
func TestServerSakilaAddress(t *testing.T) {
	data := corpus(t)["mysql-sakila-data.sql"]
	for _, c := range []struct {
		s    Server
		want int
	}{{Server{}, 9}, {Server{Version: 80036}, 9}, {Server{MariaDB: true, Version: 101106}, 8}, {Server{Version: 50650}, 8}} {
		p := &Parser{Server: c.s}
		rows := 0
		err := p.Parse(context.Background(), bytes.NewReader(data), MySQL, func(st *Statement) error {
			if st.Table != "address" {
				return nil
			}
			for row, err := range Rows(st.Rows) {
				if err != nil {
					return err
				}
				if len(row) != c.want {
					t.Fatalf("%+v: row %d has %d values, want %d", c.s, rows+1, len(row), c.want)
				}
				if c.want == 8 && (row[7].Kind != String || !strings.HasPrefix(string(row[7].Raw), "20")) {
					t.Fatalf("%+v: last_update is %v %q", c.s, row[7].Kind, row[7].Raw)
				}
				rows++
			}
			return nil
		})
		if err != nil || rows != 603 {
			t.Errorf("%+v: %d address rows, %v", c.s, rows, err)
		}
		// Check decodes the same way (every row is decoded there too).
		if _, err := p.Check(context.Background(), bytes.NewReader(data), int64(len(data)), MySQL, CheckOptions{pieceSize: 1 << 16, Workers: 2}); err != nil {
			t.Errorf("%+v: Check: %v", c.s, err)
		}
	}
	in := "INSERT INTO t VALUES (1,/*!99999 2,*/3),(4,/*M!100000 5,*/6);"
	for _, c := range []struct {
		s    Server
		want string
	}{
		{Server{}, "insert \"INSERT INTO t VALUES\" t []\n  int:\"1\" int:\"2\" int:\"3\"\n  int:\"4\" int:\"6\"\n"},
		{Server{Version: 80036}, "insert \"INSERT INTO t VALUES\" t []\n  int:\"1\" int:\"3\"\n  int:\"4\" int:\"6\"\n"},
		{Server{MariaDB: true, Version: 101106}, "insert \"INSERT INTO t VALUES\" t []\n  int:\"1\" int:\"3\"\n  int:\"4\" int:\"5\" int:\"6\"\n"},
	} {
		rd := NewReader(strings.NewReader(in), MySQL)
		rd.SetServer(c.s)
		got, err := render(rd)
		if err != nil || got != c.want {
			t.Errorf("%+v: %q, %v, want %q", c.s, got, err, c.want)
		}
	}
}
