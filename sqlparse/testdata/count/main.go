// Command count reads dumps with sqlparse and prints the rows per table, for
// checking against other tools and for whole-process measurements:
//
//	go build -o /tmp/count ./sqlparse/testdata/count
//	/tmp/count FILE...          # every statement, every value decoded
//	/tmp/count -split FILE...   # statements only; rows checked, not decoded
//	/tmp/count -cpu 10 FILE     # best CPU time of 10 in-memory passes, both ways
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"sort"
	"syscall"
	"time"

	"github.com/dumpline/importer/sqlparse"
)

func main() {
	split := flag.Bool("split", false, "split only: do not decode rows")
	cpu := flag.Int("cpu", 0, "measure the best CPU time of `n` in-memory passes")
	flag.Parse()
	for _, name := range flag.Args() {
		if *cpu > 0 {
			measure(name, *cpu)
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			log.Fatal(err)
		}
		rd := sqlparse.NewReader(f, sqlparse.Auto)
		rows, kinds, err := count(rd, !*split)
		f.Close()
		if err != nil {
			log.Fatalf("%s: %v", name, err)
		}
		fmt.Println(name, rd.Dialect(), kinds)
		tables := make([]string, 0, len(rows))
		for t := range rows {
			tables = append(tables, t)
		}
		sort.Strings(tables)
		for _, t := range tables {
			fmt.Printf("  %s %d\n", t, rows[t])
		}
	}
}

// count reads every statement, and every row if decode is set.
func count(rd *sqlparse.Reader, decode bool) (map[string]int, map[sqlparse.Kind]int, error) {
	rows := map[string]int{}
	kinds := map[sqlparse.Kind]int{}
	for {
		st, err := rd.Next()
		if err == io.EOF {
			return rows, kinds, nil
		}
		if err != nil {
			return rows, kinds, err
		}
		kinds[st.Kind]++
		if !decode || st.Rows == nil {
			continue
		}
		for _, err := range sqlparse.Rows(st.Rows) {
			if err != nil {
				return rows, kinds, err
			}
			rows[st.Table]++
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		log.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure prints the best CPU time of n passes over the file held in
// memory, splitting only and decoding every value.
func measure(name string, n int) {
	data, err := os.ReadFile(name)
	if err != nil {
		log.Fatal(err)
	}
	rd := sqlparse.NewReader(nil, sqlparse.Auto)
	for _, decode := range []bool{false, true} {
		best := time.Duration(1<<63 - 1)
		for range n {
			t0 := cpuTime()
			rd.Reset(bytes.NewReader(data), sqlparse.Auto)
			if _, _, err := count(rd, decode); err != nil {
				log.Fatal(err)
			}
			best = min(best, cpuTime()-t0)
		}
		fmt.Printf("%s decode=%v: best CPU time %v, %.0f MB/s\n", name, decode, best, float64(len(data))/best.Seconds()/1e6)
	}
}
