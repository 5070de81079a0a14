package sink_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dumpline/importer/internal/testdb"
	"github.com/dumpline/importer/sink"
)

// BenchmarkMySQLReplaceBigDump loads the mariadb-dump named by
// $DUMPLINE_BIG_DUMP (sqlparse/testdata/gen/mariadb-big.sh or
// internal/testdb/cmd/gendump write one) with the real client
// (mariadb db < dump.sql) and with the sink in replace mode, on the same
// server, and reports both times and their ratio; the tables must have
// equal checksums afterwards.
//
//	DUMPLINE_BIG_DUMP=/work/big.sql go test ./sink -run '^$' -bench MySQLReplaceBigDump -benchtime 1x
func BenchmarkMySQLReplaceBigDump(b *testing.B) {
	path := os.Getenv("DUMPLINE_BIG_DUMP")
	if path == "" {
		b.Skip("set DUMPLINE_BIG_DUMP to a large mariadb-dump file")
	}
	srv := testdb.MariaDBServer(b)
	ctx := context.Background()
	admin := srv.Open(b, "")
	for range b.N {
		client := srv.CreateDB(b)
		t0 := time.Now()
		if err := client.LoadFile(ctx, path); err != nil {
			b.Fatal(err)
		}
		clientTime := time.Since(t0)
		target := "bench_sink"
		srv.DropDB(ctx, target)
		t0 = time.Now()
		if _, err := loadFiles(ctx, &sink.MySQL{DSN: srv.DSN("")}, filepath.Dir(path), target, filepath.Base(path)); err != nil {
			b.Fatal(err)
		}
		sinkTime := time.Since(t0)
		want, got := checksums(b, admin, client.Name), checksums(b, admin, target)
		for tb, w := range want {
			if got[tb] != w {
				b.Errorf("table %s: checksum %s, the client's %s", tb, got[tb], w)
			}
		}
		srv.DropDB(ctx, target)
		b.ReportMetric(clientTime.Seconds(), "client-s")
		b.ReportMetric(sinkTime.Seconds(), "sink-s")
		b.ReportMetric(clientTime.Seconds()/sinkTime.Seconds(), "speedup")
		b.ReportMetric(peakRSSMB(), "peak-rss-MB")
	}
}

// peakRSSMB is the test process's peak resident set (VmHWM), in MB, or 0
// where /proc does not say.
func peakRSSMB() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}
