package remote_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dumpline/importer/internal/sshd"
	"github.com/dumpline/importer/source/remote"
)

// manyFiles makes a folder "many" of 10,000 empty files under the server's
// folder, 9,000 of them matching mvdsb_*.zip.
func manyFiles(b *testing.B, srv *sshd.Server) string {
	dir := filepath.Join(srv.Dir, "many")
	os.MkdirAll(dir, 0o755)
	for i := range 10000 {
		name := fmt.Sprintf("mvdsb_%05d.zip", i)
		if i%10 == 0 {
			name = fmt.Sprintf("other_%05d.txt", i)
		}
		os.WriteFile(filepath.Join(dir, name), nil, 0o644)
	}
	return dir
}

// BenchmarkSFTPListRTT lists the folder of BenchmarkSFTPList10000 on a warm
// connection through a proxy that delays everything by 5 ms each way (a
// link with a 10 ms round trip), and reports extra-rtts/op: how many round
// trips the listing costs over the same listing straight on loopback
// (loopback-ms/op, measured right before each, untimed): the round trips
// the client waits for one after the other, and any time the server
// waits for requests.
func BenchmarkSFTPListRTT(b *testing.B) {
	const oneWay = 5 * time.Millisecond
	srv := sshd.Start(b, sshd.Options{})
	dir := manyFiles(b, srv)
	proxy := sshd.NewLatencyProxy(b, srv.Addr, oneWay)
	ctx := context.Background()
	for _, name := range []string{"source", "source-pkgsftp"} {
		b.Run(name, func(b *testing.B) {
			list := func(src *remote.SFTP) time.Duration {
				t0 := time.Now()
				files, err := src.List(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if len(files) != 9000 {
					b.Fatalf("%d files", len(files))
				}
				return time.Since(t0)
			}
			direct := sshdSource(srv, dir)
			direct.Patterns = []string{"mvdsb_*.zip"}
			remote.SetSlowList(direct, name == "source-pkgsftp")
			defer direct.Close()
			list(direct) // dial
			src := sshdSource(srv, dir)
			src.Addr, src.KnownHosts, src.HostKeyFingerprint = proxy.Addr, nil, srv.Fingerprint()
			src.Patterns = []string{"mvdsb_*.zip"}
			remote.SetSlowList(src, name == "source-pkgsftp")
			defer src.Close()
			list(src) // dial
			var base time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				// The same listing on loopback, right before, untimed.
				b.StopTimer()
				base += list(direct)
				b.StartTimer()
				list(src)
			}
			b.StopTimer()
			per, base := b.Elapsed()/time.Duration(b.N), base/time.Duration(b.N)
			b.ReportMetric(float64(base.Microseconds())/1000, "loopback-ms/op")
			b.ReportMetric(float64(per-base)/float64(2*oneWay), "extra-rtts/op")
		})
	}
}
