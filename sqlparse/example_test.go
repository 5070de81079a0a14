package sqlparse_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"strings"

	"github.com/dumpline/importer/sqlparse"
)

func Example() {
	dump := `-- MySQL dump 10.13
/*!40101 SET NAMES utf8mb4 */;
CREATE TABLE t (id int, name text, data blob);
INSERT INTO ` + "`shop`.`t`" + ` (id, name, data) VALUES (1,'O\'Brien',0x4869),(2,NULL,X'');
`
	rd := sqlparse.NewReader(strings.NewReader(dump), sqlparse.Auto)
	for {
		st, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%d %v %s\n", st.Line, st.Kind, st.Text)
		if st.Kind != sqlparse.Insert {
			continue
		}
		fmt.Println("  table", st.Table, "columns", st.Columns)
		for row, err := range sqlparse.Rows(st.Rows) {
			if err != nil {
				log.Fatal(err)
			}
			for _, v := range row {
				fmt.Printf("  %v %q", v.Kind, v.Raw)
			}
			fmt.Println()
		}
	}
	fmt.Println("dialect", rd.Dialect())
	// Output:
	// 2 other /*!40101 SET NAMES utf8mb4 */
	// 3 other CREATE TABLE t (id int, name text, data blob)
	// 4 insert INSERT INTO `shop`.`t` (id, name, data) VALUES
	//   table shop.t columns [id name data]
	//   int "1"  string "O'Brien"  binary "Hi"
	//   int "2"  null ""  binary ""
	// dialect mysql
}

func ExampleParser_Parse() {
	dump := `--
-- PostgreSQL database dump
--
SET standard_conforming_strings = on;
COPY public.actor (actor_id, first_name) FROM stdin;
1	PENELOPE
2	\N
\.
`
	var p sqlparse.Parser
	err := p.Parse(context.Background(), strings.NewReader(dump), sqlparse.Auto, func(st *sqlparse.Statement) error {
		fmt.Println(st.Dialect, st.Kind, st.Table, st.Columns)
		for row, err := range sqlparse.Rows(st.Rows) {
			if err != nil {
				return err
			}
			fmt.Println(" ", row[0].Kind, string(row[0].Raw), row[1].Kind, string(row[1].Raw))
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// postgres other  []
	// postgres copy public.actor [actor_id first_name]
	//   string 1 string PENELOPE
	//   string 2 null
}

// Check validates a whole dump and counts its rows, on every core for a
// large file; the counts and any error are those of a reading in order.
func ExampleParser_Check() {
	dump := `-- PostgreSQL database dump
COPY public.t (id, name) FROM stdin;
1	a
2	\N
\.
INSERT INTO public.u VALUES (1, E'x\n'), (2, 'y');
`
	r := strings.NewReader(dump) // an *os.File in real use
	stats, err := new(sqlparse.Parser).Check(context.Background(), r, r.Size(), sqlparse.Auto, sqlparse.CheckOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(stats.Statements, "statements,", stats.Rows, "rows:", stats.Tables["public.t"], "in public.t,", stats.Tables["public.u"], "in public.u")

	_, err = new(sqlparse.Parser).Check(context.Background(), strings.NewReader("INSERT INTO t VALUES ('open);\n"), 30, sqlparse.MySQL, sqlparse.CheckOptions{})
	fmt.Println(err)
	// Output:
	// 2 statements, 4 rows: 2 in public.t, 2 in public.u
	// line 1, column 23 (byte 22, statement 1): unterminated string
}

// Rows ranges over the rows of a statement; a statement without rows has
// none.
func ExampleRows() {
	rd := sqlparse.NewReader(strings.NewReader("CREATE TABLE t (a int);\nINSERT INTO t VALUES (1),(NULL);\n"), sqlparse.MySQL)
	for {
		st, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		for row, err := range sqlparse.Rows(st.Rows) {
			if err != nil {
				log.Fatal(err)
			}
			fmt.Println(st.Table, row[0].Kind, string(row[0].Raw))
		}
	}
	// Output:
	// t int 1
	// t null
}
