package sqlparse

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

// corpusRows holds the rows per table of each sample dump of the
// repository's testdata/corpus, keyed folder-file. The numbers were
// checked independently of this package: the MySQL files by loading them
// into a real MariaDB 10.11 server with the mariadb client and counting rows
// (sakila's film_text, filled by a trigger, is left out); the SQLite files
// by loading them with the sqlite3 shell; pagila-data.sql by counting the
// lines of its COPY blocks with awk; the PostgreSQL chinook and
// pagila-insert-data files by counting their tuples with grep, which agrees
// with the loaded MySQL and SQLite variants of chinook.
var corpusRows = map[string]map[string]int{
	"mysql-chinook.sql":                      chinookRows(false),
	"mysql-countries.sql":                    {"countries": 250},
	"mysql-employees-load_departments.dump":  {"departments": 9},
	"mysql-employees-load_dept_manager.dump": {"dept_manager": 24},
	"mysql-employees-objects.sql":            {},
	"mysql-employees-schema.sql":             {},
	"mysql-mywind-schema.sql":                {},
	"mysql-regions.sql":                      {"regions": 6},
	"mysql-sakila-schema.sql":                {},
	"mysql-mywind-data.sql": {
		"customers": 29, "employee_privileges": 1, "employees": 9, "inventory_transaction_types": 4,
		"inventory_transactions": 102, "invoices": 35, "order_details": 58, "order_details_status": 6,
		"orders": 48, "orders_status": 4, "orders_tax_status": 2, "privileges": 1, "products": 45,
		"purchase_order_details": 55, "purchase_order_status": 4, "purchase_orders": 28,
		"sales_reports": 5, "shippers": 3, "strings": 62, "suppliers": 10,
	},
	"mysql-sakila-data.sql": {
		"actor": 200, "address": 603, "category": 16, "city": 600, "country": 109, "customer": 599,
		"film": 1000, "film_actor": 5462, "film_category": 1000, "inventory": 4581, "language": 6,
		"payment": 16049, "rental": 16044, "staff": 2, "store": 2,
	},
	"postgres-chinook.sql": chinookRows(true),
	"postgres-pagila-data.sql": {
		"public.actor": 200, "public.address": 603, "public.category": 16, "public.city": 600,
		"public.country": 109, "public.customer": 599, "public.film": 1000, "public.film_actor": 5462,
		"public.film_category": 2367, "public.inventory": 4581, "public.language": 6,
		"public.payment_p2022_01": 723, "public.payment_p2022_02": 2401, "public.payment_p2022_03": 2713,
		"public.payment_p2022_04": 2547, "public.payment_p2022_05": 2677, "public.payment_p2022_06": 2654,
		"public.payment_p2022_07": 2334, "public.rental": 16044, "public.staff": 1500, "public.store": 500,
	},
	"postgres-pagila-insert-data.sql": {"actor": 200, "category": 16, "country": 109, "language": 6},
	"sqlite-chinook-dot-dump.sql":     chinookRows(false),
	"sqlite-chinook.sql":              chinookRows(false),
	"sqlite-northwind.sql": {
		"Categories": 8, "Customers": 93, "Employees": 9, "EmployeeTerritories": 49,
		"Order Details": 2155, "Orders": 830, "Products": 77, "Regions": 4, "Shippers": 3,
		"Suppliers": 29, "Territories": 53,
	},
}

func chinookRows(snake bool) map[string]int {
	m := map[string]int{"Album": 347, "Artist": 275, "Customer": 59, "Employee": 8, "Genre": 25,
		"Invoice": 412, "InvoiceLine": 2240, "MediaType": 5, "Playlist": 18, "PlaylistTrack": 8715, "Track": 3503}
	if !snake {
		return m
	}
	s := map[string]int{}
	for k, v := range m {
		var b strings.Builder
		for i, c := range k {
			if 'A' <= c && c <= 'Z' {
				if i > 0 {
					b.WriteByte('_')
				}
				c += 'a' - 'A'
			}
			b.WriteRune(c)
		}
		s[b.String()] = v
	}
	return s
}

func TestCorpusRowCounts(t *testing.T) {
	for name, data := range corpus(t) {
		want, ok := corpusRows[name]
		if !ok {
			t.Errorf("%s: no expected row counts", name)
			continue
		}
		wantDialect := corpusDialect[strings.SplitN(name, "-", 2)[0]]
		for _, d := range []Dialect{Auto, wantDialect} {
			t.Run(fmt.Sprintf("%s/%v", name, d), func(t *testing.T) {
				got := map[string]int{}
				var p Parser
				err := p.Parse(context.Background(), bytes.NewReader(data), d, func(st *Statement) error {
					if st.Dialect != wantDialect {
						return fmt.Errorf("statement %d: dialect %v, want %v", st.Num, st.Dialect, wantDialect)
					}
					if st.Rows == nil {
						return nil
					}
					if _, ok := got[st.Table]; !ok {
						got[st.Table] = 0
					}
					for _, err := range Rows(st.Rows) {
						if err != nil {
							return err
						}
						got[st.Table]++
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				for k, v := range got {
					if v == 0 && want[k] == 0 {
						delete(got, k) // tables with empty COPY blocks or INSERTs
					}
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("rows per table (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// digest reads every statement and row of a dump and returns a hash of all
// of it, with the statement and row counts.
func digest(t testing.TB, rd *Reader) (string, int, int) {
	t.Helper()
	h := sha256.New()
	nst, nrows := 0, 0
	for st, err := range statementsOf(rd) {
		if err != nil {
			t.Fatal(err)
		}
		nst++
		fmt.Fprintf(h, "%d %v %d %d %q %q %q\n", st.Num, st.Kind, st.Line, st.Offset, st.Text, st.Table, st.Columns)
		if st.Rows == nil {
			continue
		}
		for row, err := range Rows(st.Rows) {
			if err != nil {
				t.Fatal(err)
			}
			nrows++
			for _, v := range row {
				fmt.Fprintf(h, "%v:%q,", v.Kind, v.Raw)
			}
			h.Write([]byte{'\n'})
		}
		fmt.Fprintf(h, "trailer %q\n", st.Trailer)
	}
	return fmt.Sprintf("%x", h.Sum(nil)), nst, nrows
}

// TestCorpusBufferBoundaries checks that the statements and values read do
// not depend on where the input is cut: the smallest buffer and one-byte
// reads must give what one large buffer gives.
func TestCorpusBufferBoundaries(t *testing.T) {
	for name, data := range corpus(t) {
		t.Run(name, func(t *testing.T) {
			want, nst, nrows := digest(t, NewReader(bytes.NewReader(data), Auto))
			rd := &Reader{}
			rd.resetSize(bytes.NewReader(data), Auto, minBufferSize, 0)
			got, _, _ := digest(t, rd)
			if got != want {
				t.Errorf("digest with a %d-byte buffer differs", minBufferSize)
			}
			if len(data) < 300<<10 || !testing.Short() {
				rd.resetSize(iotest.HalfReader(iotest.OneByteReader(bytes.NewReader(data))), Auto, minBufferSize, 0)
				got, _, _ := digest(t, rd)
				if got != want {
					t.Errorf("digest with one-byte reads differs")
				}
			}
			t.Logf("%d statements, %d rows", nst, nrows)
		})
	}
}
