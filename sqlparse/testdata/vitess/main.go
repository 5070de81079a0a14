// Command vitess splits a dump with vitess v0.24.4's SplitStatementToPieces, the
// anchor of the sqlparse benchmarks, for whole-process comparisons with
// sqlparse/testdata/count:
//
//	cd sqlparse/testdata/vitess && go build -o /tmp/vitess-split . && /usr/bin/time -v /tmp/vitess-split big.sql
package main

import (
	"fmt"
	"os"

	"vitess.io/vitess/go/vt/sqlparser"
)

func main() {
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		panic(err)
	}
	p, err := sqlparser.New(sqlparser.Options{})
	if err != nil {
		panic(err)
	}
	pieces, err := p.SplitStatementToPieces(string(data))
	if err != nil {
		fmt.Println("error:", err)
	}
	fmt.Println(len(pieces), "pieces")
}
