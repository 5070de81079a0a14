package remote_test

import (
	"archive/zip"
	"cmp"
	"context"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/dumpline/importer/archive"
	"github.com/dumpline/importer/internal/sshd"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/source/remote"
)

// benchSize is the size of the benchmark file: 256 MiB, or
// IMPORTER_BENCH_MB megabytes.
func benchSize() int64 {
	if mb, err := strconv.Atoi(os.Getenv("IMPORTER_BENCH_MB")); err == nil && mb > 0 {
		return int64(mb) << 20
	}
	return 256 << 20
}

// benchCipher is the cipher of the download benchmarks, on both sides:
// aes128-gcm@openssh.com, or IMPORTER_BENCH_CIPHER.
var benchCipher = cmp.Or(os.Getenv("IMPORTER_BENCH_CIPHER"), ssh.CipherAES128GCM)

// benchFiles starts an sshd (with or without the sftp subsystem) serving a
// folder with big.bin and an empty file.
func benchFiles(b *testing.B, noSFTP bool) (*sshd.Server, string, int64) {
	srv := sshd.Start(b, sshd.Options{NoSFTP: noSFTP})
	dir := filepath.Join(srv.Dir, "bench")
	os.MkdirAll(dir, 0o755)
	size := benchSize()
	randomFile(b, dir, "big.bin", size)
	os.WriteFile(filepath.Join(dir, "empty.bin"), nil, 0o644)
	return srv, dir, size
}

// netRate runs fetch on the empty file to learn the fixed cost of one
// transfer (connection, session, process start on the server), then times
// fetch of the big file b.N times, and reports the throughput without the
// fixed cost as net-MB/s, so that clients that set up differently compare
// on the transfer itself.
//
// It also reports the client's CPU time per op (client-cpu-ms): this
// process's for this package, the child's for OpenSSH tools. On a shared
// machine it is steadier than the wall time.
func netRate(b *testing.B, size int64, fetch func(name string) int64) {
	childCPU = 0
	fixed := time.Duration(1<<63 - 1)
	for range 3 {
		t0 := time.Now()
		if n := fetch("empty.bin"); n != 0 {
			b.Fatalf("empty file: %d bytes", n)
		}
		fixed = min(fixed, time.Since(t0))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	childCPU = 0
	cpu0 := selfCPU()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if n := fetch("big.bin"); n != size {
			b.Fatalf("got %d bytes, want %d", n, size)
		}
	}
	b.StopTimer()
	cpu := selfCPU() - cpu0
	if childCPU > 0 {
		cpu = childCPU
	}
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "client-cpu-ms/op")
	per := b.Elapsed() / time.Duration(b.N)
	if per > fixed {
		b.ReportMetric(float64(size)/(per-fixed).Seconds()/1e6, "net-MB/s")
	}
	b.ReportMetric(float64(fixed.Microseconds())/1000, "fixed-ms")
}

func sourceDownload(b *testing.B, src *remote.SFTP, read bool) func(string) int64 {
	ctx := context.Background()
	return func(name string) int64 {
		rc, err := src.Open(ctx, source.File{Name: name, Size: -1})
		if err != nil {
			b.Fatal(err)
		}
		defer rc.Close()
		var n int64
		if read {
			// What a decompressor does: Read with its own buffer.
			buf := make([]byte, 64<<10)
			for {
				m, err := rc.Read(buf)
				n += int64(m)
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		} else {
			n, err = io.Copy(io.Discard, rc) // uses WriteTo
			if err != nil {
				b.Fatal(err)
			}
		}
		return n
	}
}

// openssh runs an OpenSSH client command and returns the bytes it wrote to
// stdout (or, for sftp/scp writing to /dev/null, the size of the file).
func openssh(b *testing.B, srv *sshd.Server, dir string, size int64, tool string) func(string) int64 {
	common := []string{"-o", "BatchMode=yes", "-o", "UserKnownHostsFile=" + srv.KnownHosts,
		"-o", "StrictHostKeyChecking=yes", "-i", srv.KeyFile, "-c", benchCipher}
	_, port, _ := splitHostPort(srv.Addr)
	return func(name string) int64 {
		remote := filepath.Join(dir, name)
		var cmd *exec.Cmd
		switch tool {
		case "sftp":
			args := append([]string{"-q", "-P", port}, common...)
			cmd = exec.Command("sftp", append(args, srv.User+"@127.0.0.1:"+remote, "/dev/null")...)
		case "scp":
			args := append([]string{"-O", "-q", "-P", port}, common...)
			cmd = exec.Command("scp", append(args, srv.User+"@127.0.0.1:"+remote, "/dev/null")...)
		case "ssh-cat":
			args := append([]string{"-p", port}, common...)
			cmd = exec.Command("ssh", append(args, srv.User+"@127.0.0.1", "cat "+remote)...)
		}
		cw := &countWriter{}
		cmd.Stdout = cw
		if out, err := func() ([]byte, error) {
			var errb countWriter
			cmd.Stderr = &errb
			err := cmd.Run()
			return errb.b, err
		}(); err != nil {
			b.Fatalf("%s: %v: %s", tool, err, out)
		}
		childCPU += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		if tool == "ssh-cat" {
			return cw.n
		}
		if name == "empty.bin" {
			return 0
		}
		return size
	}
}

// childCPU sums the CPU time of the OpenSSH clients run by a benchmark.
var childCPU time.Duration

func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func splitHostPort(a string) (string, string, error) {
	for i := len(a) - 1; i >= 0; i-- {
		if a[i] == ':' {
			return a[:i], a[i+1:], nil
		}
	}
	return a, "", fmt.Errorf("no port in %q", a)
}

type countWriter struct {
	n int64
	b []byte
}

func (w *countWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	if len(w.b) < 4096 {
		w.b = append(w.b, p[:min(len(p), 4096-len(w.b))]...)
	}
	return len(p), nil
}

// BenchmarkSFTPDownload downloads a file from a real sshd on loopback with
// aes128-gcm, through this package (one warm connection; WriteTo as io.Copy
// uses it, and a Read loop as decompressors do) and through the OpenSSH
// sftp client and "ssh cat" as anchors.
func BenchmarkSFTPDownload(b *testing.B) {
	srv, dir, size := benchFiles(b, false)
	// "source" streams with the package's own SFTP session; "source-pkgsftp"
	// with pkg/sftp's File.WriteTo, as before (and as the fallback).
	for _, impl := range []string{"source", "source-pkgsftp"} {
		for _, packet := range []int{0, 32768} {
			for _, mode := range []string{"WriteTo", "Read"} {
				if impl == "source-pkgsftp" && packet != 0 {
					continue
				}
				b.Run(fmt.Sprintf("%s/packet=%d/%s", impl, packet, mode), func(b *testing.B) {
					src := sshdSource(srv, dir)
					src.MaxPacket, src.Ciphers = packet, []string{benchCipher}
					remote.SetSlowStream(src, impl == "source-pkgsftp")
					if c, err := strconv.Atoi(os.Getenv("IMPORTER_BENCH_CONC")); err == nil {
						src.Concurrency = c
					}
					defer src.Close()
					if _, err := src.List(context.Background()); err != nil { // dial
						b.Fatal(err)
					}
					netRate(b, size, sourceDownload(b, src, mode == "Read"))
				})
			}
		}
	}
	b.Run("openssh-sftp", func(b *testing.B) { netRate(b, size, openssh(b, srv, dir, size, "sftp")) })
	b.Run("openssh-ssh-cat", func(b *testing.B) { netRate(b, size, openssh(b, srv, dir, size, "ssh-cat")) })
}

// BenchmarkSCPDownload downloads the file over legacy SCP from an sshd
// without the sftp subsystem, through this package and through OpenSSH's
// "scp -O" as the anchor.
func BenchmarkSCPDownload(b *testing.B) {
	srv, dir, size := benchFiles(b, true)
	b.Run("source", func(b *testing.B) {
		src := sshdSource(srv, dir)
		src.Protocol, src.Ciphers = remote.ProtocolSCP, []string{benchCipher}
		defer src.Close()
		if _, err := src.List(context.Background()); err != nil {
			b.Fatal(err)
		}
		netRate(b, size, sourceDownload(b, src, true))
	})
	b.Run("openssh-scp-O", func(b *testing.B) { netRate(b, size, openssh(b, srv, dir, size, "scp")) })
}

// BenchmarkSFTPList10000 lists a folder of 10,000 files on a warm connection
// and matches them against a pattern: with the own listing client
// ("source"), with pkg/sftp ("source-pkgsftp"), and with the own client on
// a server that accepts the TZ it sends ("source-server-accepts-TZ"). Each
// reports the CPU time per listing of the server's sftp subsystem
// (sftp-cpu-ms), of the rest of sshd (sshd-cpu-ms) and of this process
// (client-cpu-ms). The references, in the same run: OpenSSH's sftp-server
// alone, run locally over pipes and read by the own client
// ("sftp-server-pipe", no SSH), the server's file system work done locally
// ("local-readdir-lstat", "-fullpath" as sftp-server names the files) and
// OpenSSH's sftp "ls -l".
func BenchmarkSFTPList10000(b *testing.B) {
	srv := sshd.Start(b, sshd.Options{})
	// The same server configured to accept the TZ the client sends, which
	// spares sftp-server a stat of /etc/localtime per name.
	srvTZ := sshd.Start(b, sshd.Options{Extra: []string{"AcceptEnv TZ"}})
	dir := manyFiles(b, srv)
	os.MkdirAll(filepath.Join(srv.Dir, "none"), 0o755)
	ctx := context.Background()
	// "source" pipelines READDIR requests with its own listing client;
	// "source-pkgsftp" is pkg/sftp's ReadDir, one READDIR round trip at a
	// time, which List used before and falls back to.
	for _, name := range []string{"source", "source-pkgsftp", "source-server-accepts-TZ"} {
		b.Run(name, func(b *testing.B) {
			srv := srv
			if name == "source-server-accepts-TZ" {
				srv = srvTZ
			}
			src := sshdSource(srv, dir)
			src.Patterns = []string{"mvdsb_*.zip"}
			remote.SetSlowList(src, name == "source-pkgsftp")
			defer src.Close()
			if _, err := src.List(ctx); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			cpu0, cpuErr := srv.CPU()
			self0 := selfCPU()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				files, err := src.List(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if len(files) != 9000 {
					b.Fatalf("%d files", len(files))
				}
			}
			b.StopTimer()
			b.ReportMetric(float64((selfCPU()-self0).Microseconds())/1000/float64(b.N), "client-cpu-ms/op")
			reportServerCPU(b, srv, cpu0, cpuErr)
		})
	}
	// The server alone: OpenSSH's sftp-server (the code of sshd's
	// internal-sftp) run locally over pipes, read by the own listing
	// client, without SSH (no sshd, no cipher).
	b.Run("sftp-server-pipe", func(b *testing.B) {
		const bin = "/usr/lib/openssh/sftp-server"
		if _, err := os.Stat(bin); err != nil {
			b.Skipf("%s is missing (openssh-sftp-server)", bin)
		}
		cmd := exec.Command(bin)
		stdin, err := cmd.StdinPipe()
		if err != nil {
			b.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			b.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		defer cmd.Wait()
		list, stop, err := remote.PipeLister(ctx, stdout, stdin, func() { stdin.Close() })
		if err != nil {
			stdin.Close()
			b.Fatal(err)
		}
		defer stop()
		cpu0, cpuErr := sshd.ProcessCPU(cmd.Process.Pid)
		self0 := selfCPU()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if n, err := list(ctx, dir); err != nil || n != 10000 {
				b.Fatalf("%d names: %v", n, err)
			}
		}
		b.StopTimer()
		b.ReportMetric(float64((selfCPU()-self0).Microseconds())/1000/float64(b.N), "client-cpu-ms/op")
		if cpu1, err := sshd.ProcessCPU(cmd.Process.Pid); err == nil && cpuErr == nil {
			b.ReportMetric(float64((cpu1-cpu0).Microseconds())/1000/float64(b.N), "sftp-cpu-ms/op")
		}
	})
	// The floor: the server's own work, reading the folder and stat'ing
	// every file, done locally.
	b.Run("local-readdir-lstat", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			entries, err := os.ReadDir(dir)
			if err != nil {
				b.Fatal(err)
			}
			for _, e := range entries {
				if _, err := e.Info(); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	// The server's floor as sftp-server does it: lstat of the full path
	// of each name (a longer path walk than the relative lstat above).
	b.Run("local-readdir-lstat-fullpath", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			names, err := readDirNames(dir)
			if err != nil {
				b.Fatal(err)
			}
			for _, name := range names {
				if _, err := os.Lstat(dir + "/" + name); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	// The anchor: OpenSSH's sftp "ls -l", without its fixed cost (measured
	// on an empty folder), as net-ms/op.
	b.Run("openssh-sftp-ls", func(b *testing.B) {
		_, port, _ := splitHostPort(srv.Addr)
		run := func(d string) time.Duration {
			cmd := exec.Command("sftp", "-q", "-b", "-", "-P", port, "-o", "BatchMode=yes",
				"-o", "UserKnownHostsFile="+srv.KnownHosts, "-i", srv.KeyFile, srv.User+"@127.0.0.1")
			cmd.Stdin = strings.NewReader("ls -l " + d + "\n")
			t0 := time.Now()
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("sftp: %v: %s", err, out)
			}
			return time.Since(t0)
		}
		fixed := time.Duration(1<<63 - 1)
		for range 3 {
			fixed = min(fixed, run(filepath.Join(srv.Dir, "none")))
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			run(dir)
		}
		b.StopTimer()
		if per := b.Elapsed() / time.Duration(b.N); per > fixed {
			b.ReportMetric(float64((per-fixed).Microseconds())/1000, "net-ms/op")
		}
	})
}

// BenchmarkSFTPZip extracts a 64 MiB ZIP (4 stored entries) from the real
// sshd three ways: in place through the reader's io.ReaderAt, spooled to a
// local file by Fetch first, and as a plain stream (the extractor then
// buffers or spools it itself).
func BenchmarkSFTPZip(b *testing.B) {
	srv := sshd.Start(b, sshd.Options{})
	dir := filepath.Join(srv.Dir, "zip")
	os.MkdirAll(dir, 0o755)
	zf, err := os.Create(filepath.Join(dir, "dump.zip"))
	if err != nil {
		b.Fatal(err)
	}
	zw := zip.NewWriter(zf)
	rng := mrand.NewChaCha8([32]byte{9})
	const entrySize = 16 << 20
	for i := range 4 {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("part%d.sql", i), Method: zip.Store})
		if err != nil {
			b.Fatal(err)
		}
		io.CopyN(w, rng, entrySize)
	}
	zw.Close()
	zf.Close()
	ctx := context.Background()
	ex := &archive.Extractor{}
	for _, mode := range []string{"ReaderAt", "Spool", "Stream"} {
		b.Run(mode, func(b *testing.B) {
			src := sshdSource(srv, dir)
			defer src.Close()
			files, err := src.List(ctx)
			if err != nil {
				b.Fatal(err)
			}
			f := files[0]
			b.SetBytes(f.Size)
			b.ReportAllocs()
			tmp := b.TempDir()
			cpu0 := selfCPU()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var r io.Reader
				var closer io.Closer
				switch mode {
				case "Spool":
					p, err := remote.Fetch(ctx, src, f, tmp)
					if err != nil {
						b.Fatal(err)
					}
					of, err := os.Open(p)
					if err != nil {
						b.Fatal(err)
					}
					os.Remove(p)
					r, closer = of, of
				default:
					rc, err := src.Open(ctx, f)
					if err != nil {
						b.Fatal(err)
					}
					r, closer = rc, rc
					if mode == "Stream" {
						r = struct{ io.Reader }{rc}
					}
				}
				var total int64
				err := ex.Extract(ctx, f.Name, r, f.Size, func(e archive.Entry, er io.Reader) error {
					n, err := io.Copy(io.Discard, er)
					total += n
					return err
				})
				closer.Close()
				if err != nil || total != 4*entrySize {
					b.Fatalf("extracted %d bytes: %v", total, err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64((selfCPU()-cpu0).Microseconds())/1000/float64(b.N), "client-cpu-ms/op")
		})
	}
}

// readDirNames reads a folder's names without stat'ing them.
func readDirNames(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Readdirnames(-1)
}

// reportServerCPU reports the CPU time the server's processes used per op
// since cpu0: server-cpu-ms (every process of the server), sftp-cpu-ms
// (the sftp subsystems alone) and sshd-cpu-ms (the rest: sshd passing
// packets between the network and the subsystems, encrypting). Where
// the wall time per op is close to sftp-cpu-ms, the server is the bound.
func reportServerCPU(b *testing.B, srv *sshd.Server, cpu0 sshd.CPU, err error) {
	if err != nil {
		return
	}
	cpu1, err := srv.CPU()
	if err != nil {
		return
	}
	n := float64(b.N)
	b.ReportMetric(float64((cpu1.Total-cpu0.Total).Microseconds())/1000/n, "server-cpu-ms/op")
	b.ReportMetric(float64((cpu1.SFTP-cpu0.SFTP).Microseconds())/1000/n, "sftp-cpu-ms/op")
	b.ReportMetric(float64((cpu1.Total-cpu1.SFTP-cpu0.Total+cpu0.SFTP).Microseconds())/1000/n, "sshd-cpu-ms/op")
}
