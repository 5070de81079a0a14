package sqlparse_test

import (
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
		for {
			row, err := st.Rows.NextRow()
			if err == io.EOF {
				break
			}
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
