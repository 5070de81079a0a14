package archive_test

import (
	stdzip "archive/zip"
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zip"
	"github.com/klauspost/compress/zstd"

	"github.com/dumpline/importer/archive"
)

// Benchmark inputs are generated once and cached under
// os.TempDir()/dumpline-archive-bench (never in the repository): the SQL
// dumps of the corpus ($DUMPLINE_CORPUS, default the repository's
// testdata/corpus) concatenated and repeated to benchSize bytes (about
// 11 MB of distinct text, more than any compression window used here), then
// compressed by the real tools: Info-ZIP zip -6, gzip -6, zstd -3, 7-Zip.
const benchSize = 210 << 20

var benchDir = filepath.Join(os.TempDir(), "dumpline-archive-bench")

var benchMu sync.Mutex

// benchFile returns the path of a cached benchmark input, making it with
// make(dir, path) the first time.
func benchFile(b *testing.B, name string, make func(dir, path string)) string {
	b.Helper()
	benchMu.Lock()
	defer benchMu.Unlock()
	p := filepath.Join(benchDir, name)
	if _, err := os.Stat(p); err == nil {
		return p
	}
	if err := os.MkdirAll(benchDir, 0o755); err != nil {
		b.Fatal(err)
	}
	tmp := p + ".tmp"
	_ = os.RemoveAll(tmp)
	make(benchDir, tmp)
	if err := os.Rename(tmp, p); err != nil {
		b.Fatal(err)
	}
	return p
}

// benchSQL is the uncompressed dump, bench.sql.
func benchSQL(b *testing.B) string {
	return benchFile(b, "bench.sql", func(dir, path string) {
		var corpus []byte
		root := os.Getenv("DUMPLINE_CORPUS")
		if root == "" {
			root = corpusRoot
		}
		var files []string
		_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".sql") || strings.HasSuffix(p, ".dump")) {
				files = append(files, p)
			}
			return nil
		})
		if len(files) == 0 {
			b.Fatalf("no sample dumps in %s", root)
		}
		slices.Sort(files)
		for _, f := range files {
			c, err := os.ReadFile(f)
			if err != nil {
				b.Fatal(err)
			}
			corpus = append(corpus, c...)
		}
		out := make([]byte, 0, benchSize+len(corpus))
		for len(out) < benchSize {
			out = append(out, corpus...)
		}
		if err := os.WriteFile(path, out[:benchSize], 0o644); err != nil {
			b.Fatal(err)
		}
	})
}

// link makes name in dir a hard link to target, so that archives store
// the dump under name (7-Zip would store a symbolic link as a link).
func link(b *testing.B, dir, target, name string) {
	_ = os.Remove(filepath.Join(dir, name))
	if err := os.Link(target, filepath.Join(dir, name)); err != nil {
		b.Fatal(err)
	}
}

func benchZip(b *testing.B) string {
	src := benchSQL(b)
	return benchFile(b, "bench.zip", func(dir, path string) {
		link(b, dir, src, "dump.sql")
		run(b, dir, nil, "zip", "-q", "-6", path, "dump.sql")
	})
}

func bench7z(b *testing.B, name string, args ...string) string {
	src := benchSQL(b)
	return benchFile(b, name, func(dir, path string) {
		link(b, dir, src, "dump.sql")
		run(b, dir, nil, "7z", append(append([]string{"a", "-tzip", "-mx=5", "-mm=Deflate"}, args...), path, "dump.sql")...)
	})
}

// benchZip2 holds the dump twice, as two entries.
func benchZip2(b *testing.B) string {
	src := benchSQL(b)
	return benchFile(b, "bench2.zip", func(dir, path string) {
		link(b, dir, src, "a.sql")
		link(b, dir, src, "b.sql")
		run(b, dir, nil, "zip", "-q", "-6", path, "a.sql", "b.sql")
	})
}

// cpuMeter reports MB per CPU-second (user and system time of the whole
// process) besides the wall-clock MB/s: on a machine shared with other
// jobs the wall clock is noisy, the CPU time much less so.
type cpuMeter struct {
	b     *testing.B
	start time.Duration
	bytes int64
}

func startCPU(b *testing.B) *cpuMeter { return &cpuMeter{b: b, start: cpuTime()} }

func (m *cpuMeter) add(n int64) { m.bytes += n }

func (m *cpuMeter) stop() {
	if d := cpuTime() - m.start; d > 0 && m.bytes > 0 {
		m.b.ReportMetric(float64(m.bytes)/d.Seconds()/1e6, "MB/cpu-s")
	}
}

// readAll reads r to the end with a 256 KiB buffer, as a parser would.
func readAll(r io.Reader, buf []byte) (int64, error) {
	var n int64
	for {
		m, err := r.Read(buf)
		n += int64(m)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

func benchExtract(b *testing.B, x *archive.Extractor, path string) {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	var mu sync.Mutex
	bufs := sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}
	var total int64
	b.ReportAllocs()
	m := startCPU(b)
	defer m.stop()
	for b.Loop() {
		total = 0
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			b.Fatal(err)
		}
		err := x.Extract(context.Background(), fi.Name(), f, fi.Size(), func(e archive.Entry, r io.Reader) error {
			buf := bufs.Get().(*[]byte)
			defer bufs.Put(buf)
			n, err := readAll(r, *buf)
			mu.Lock()
			total += n
			mu.Unlock()
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(total)
		m.add(total)
	}
}

// BenchmarkExtractZip: Info-ZIP deflate level 6, read in place.
func BenchmarkExtractZip(b *testing.B) {
	benchExtract(b, &archive.Extractor{}, benchZip(b))
}

// BenchmarkExtractZipStreamed: the same ZIP from a reader that is not an
// io.ReaderAt, so spooled to a temporary file first.
func BenchmarkExtractZipStreamed(b *testing.B) {
	path := benchZip(b)
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 256<<10)
	x := &archive.Extractor{}
	b.ReportAllocs()
	b.SetBytes(benchSize)
	for b.Loop() {
		err := x.Extract(context.Background(), "bench.zip", onlyReader{bytes.NewReader(data)}, -1, func(e archive.Entry, r io.Reader) error {
			_, err := readAll(r, buf)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStdlibZip is the anchor: Go's archive/zip on the same file.
func BenchmarkStdlibZip(b *testing.B) { benchZipLib(b, readStdlibZip) }

// BenchmarkKlauspostZip is klauspost/compress/zip's own Open on the file.
func BenchmarkKlauspostZip(b *testing.B) { benchZipLib(b, readKlauspostZip) }

// benchZipLib measures read, which reads every entry of the benchmark ZIP.
func benchZipLib(b *testing.B, read func(path string, buf []byte) (int64, error)) {
	path := benchZip(b)
	buf := make([]byte, 256<<10)
	b.ReportAllocs()
	m := startCPU(b)
	defer m.stop()
	for b.Loop() {
		total, err := read(path, buf)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(total)
		m.add(total)
	}
}

// readStdlibZip reads every entry of the ZIP file at path with Go's
// archive/zip, through buf.
func readStdlibZip(path string, buf []byte) (int64, error) {
	zr, err := stdzip.OpenReader(path)
	if err != nil {
		return 0, err
	}
	defer zr.Close()
	return readEntries(zr.File, buf)
}

// readKlauspostZip is readStdlibZip with klauspost/compress/zip.
func readKlauspostZip(path string, buf []byte) (int64, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return 0, err
	}
	defer zr.Close()
	return readEntries(zr.File, buf)
}

// readEntries opens and reads each of files to its end.
func readEntries[F interface{ Open() (io.ReadCloser, error) }](files []F, buf []byte) (int64, error) {
	var total int64
	for _, f := range files {
		rc, err := f.Open()
		if err != nil {
			return total, err
		}
		n, err := readAll(rc, buf)
		rc.Close()
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// BenchmarkFlateCeiling is what klauspost's inflater reaches on the same
// ZIP entry without anything of ours: its raw deflate stream, read in
// place through a 256 KiB bufio.Reader (the inflater's fastest source),
// read to the end with a 256 KiB buffer, no CRC-32. ExtractZip can only
// approach it.
// rawEntry returns the raw (compressed) data of the first entry of the
// ZIP file at path.
func rawEntry(b *testing.B, path string) *io.SectionReader {
	zr, err := zip.OpenReader(path)
	if err != nil {
		b.Fatal(err)
	}
	defer zr.Close()
	zf := zr.File[0]
	off, err := zf.DataOffset()
	if err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	return io.NewSectionReader(f, off, int64(zf.CompressedSize64))
}

func BenchmarkFlateCeiling(b *testing.B) {
	path := benchZip(b)
	raw := rawEntry(b, path)
	buf := make([]byte, 256<<10)
	br := bufio.NewReaderSize(nil, 256<<10)
	fr := flate.NewReader(nil)
	b.ReportAllocs()
	m := startCPU(b)
	defer m.stop()
	for b.Loop() {
		br.Reset(io.NewSectionReader(raw, 0, raw.Size()))
		if err := fr.(flate.Resetter).Reset(br, nil); err != nil {
			b.Fatal(err)
		}
		n, err := readAll(fr, buf)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(n)
		m.add(n)
	}
}

func BenchmarkExtractGzip(b *testing.B) {
	src := benchSQL(b)
	path := benchFile(b, "bench.sql.gz", func(dir, path string) {
		run(b, dir, nil, "sh", "-c", fmt.Sprintf("gzip -6 -c %s > %s", src, path))
	})
	benchExtract(b, &archive.Extractor{}, path)
}

func BenchmarkExtractZstd(b *testing.B) {
	path := benchZstdFile(b)
	benchExtract(b, &archive.Extractor{}, path)
}

// BenchmarkKlauspostZstd is the anchor for zstd: klauspost's decoder with
// its default options, reading the same file straight.
func BenchmarkKlauspostZstd(b *testing.B) {
	path := benchZstdFile(b)
	buf := make([]byte, 256<<10)
	b.ReportAllocs()
	m := startCPU(b)
	defer m.stop()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		zd, err := zstd.NewReader(f)
		if err != nil {
			b.Fatal(err)
		}
		n, err := readAll(zd, buf)
		if err != nil {
			b.Fatal(err)
		}
		zd.Close()
		f.Close()
		b.SetBytes(n)
		m.add(n)
	}
}

// BenchmarkZstdCeiling is what klauspost's zstd decoder reaches on the
// same .zst file with the options Extract uses (synchronous, no
// goroutine), read with a 256 KiB buffer: Read, or WriteTo(io.Discard),
// which saves the copy into the caller's buffer.
func BenchmarkZstdCeiling(b *testing.B) {
	path := benchZstdFile(b)
	for _, mode := range []string{"Read", "WriteTo"} {
		b.Run(mode, func(b *testing.B) {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			zd := ceilingZstd(b)
			buf := make([]byte, 256<<10)
			b.ReportAllocs()
			m := startCPU(b)
			defer m.stop()
			for b.Loop() {
				if _, err := f.Seek(0, io.SeekStart); err != nil {
					b.Fatal(err)
				}
				if err := zd.Reset(f); err != nil {
					b.Fatal(err)
				}
				var n int64
				if mode == "Read" {
					n, err = readAll(zd, buf)
				} else {
					n, err = zd.WriteTo(io.Discard)
				}
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(n)
				m.add(n)
			}
		})
	}
}

// BenchmarkExtract7zDeflate and BenchmarkExtractAES256 compare the same
// 7-Zip deflate stream without and with WinZip AES-256 encryption.
func BenchmarkExtract7zDeflate(b *testing.B) {
	benchExtract(b, &archive.Extractor{}, bench7z(b, "bench-7z.zip"))
}

func BenchmarkExtractAES256(b *testing.B) {
	path := bench7z(b, "bench-aes256.zip", "-p"+testPassword, "-mem=AES256")
	benchExtract(b, &archive.Extractor{Password: archive.StaticPassword(testPassword)}, path)
}

// BenchmarkExtractZipCrypto: Info-ZIP deflate level 6 with ZipCrypto.
func BenchmarkExtractZipCrypto(b *testing.B) {
	src := benchSQL(b)
	path := benchFile(b, "bench-zipcrypto.zip", func(dir, path string) {
		link(b, dir, src, "dump.sql")
		run(b, dir, nil, "zip", "-q", "-6", "-P", testPassword, path, "dump.sql")
	})
	benchExtract(b, &archive.Extractor{Password: archive.StaticPassword(testPassword)}, path)
}

// BenchmarkParallel extracts a ZIP of two entries with one goroutine, then
// two: compare the two MB/s figures.
func BenchmarkParallel(b *testing.B) {
	path := benchZip2(b)
	for _, p := range []int{1, 2} {
		b.Run(fmt.Sprintf("entries=2/parallel=%d", p), func(b *testing.B) {
			benchExtract(b, &archive.Extractor{Parallel: p}, path)
		})
	}
}

// BenchmarkManyEntries extracts a ZIP of 1000 small deflated entries; the
// allocations it reports are divided by 1000 into allocs/entry.
func BenchmarkManyEntries(b *testing.B) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	data := readCorpus(b, "regions.sql")
	for i := range 1000 {
		w, err := zw.Create(fmt.Sprintf("d/%04d.sql", i))
		if err != nil {
			b.Fatal(err)
		}
		_, _ = w.Write(data)
	}
	_ = zw.Close()
	x := &archive.Extractor{}
	rbuf := make([]byte, 64<<10)
	b.ReportAllocs()
	b.SetBytes(int64(1000 * len(data)))
	for b.Loop() {
		zr := bytes.NewReader(buf.Bytes()) // Extract reads r from its start
		err := x.Extract(context.Background(), "many.zip", zr, zr.Size(), func(e archive.Entry, r io.Reader) error {
			_, err := readAll(r, rbuf)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// contender is one way of decompressing a benchmark input, run once.
type contender struct {
	name string
	run  func() (int64, error)
}

// benchRatio runs the contenders one after the other in every iteration,
// in an order that rotates, and reports each one's MB per CPU-second, and
// how many times faster the first is than each other one: "x-NAME-cpu"
// divides the first's MB/cpu-s by NAME's, "x-NAME-wall" its wall-clock
// MB/s. Interleaving them this finely makes the load of other jobs on a
// shared machine hit all of them alike, which separate benchmarks run
// seconds apart do not.
func benchRatio(b *testing.B, cs ...contender) {
	cpu := make([]time.Duration, len(cs))
	wall := make([]time.Duration, len(cs))
	bytes := make([]int64, len(cs))
	b.ReportAllocs()
	round := 0
	for b.Loop() {
		for k := range cs {
			i := (k + round) % len(cs)
			c0, t0 := cpuTime(), time.Now()
			n, err := cs[i].run()
			if err != nil {
				b.Fatalf("%s: %v", cs[i].name, err)
			}
			cpu[i] += cpuTime() - c0
			wall[i] += time.Since(t0)
			bytes[i] += n
		}
		round++
	}
	for i, c := range cs {
		if cpu[i] > 0 {
			b.ReportMetric(float64(bytes[i])/cpu[i].Seconds()/1e6, "MB/cpu-s-"+c.name)
		}
		if i > 0 && cpu[0] > 0 && cpu[i] > 0 {
			r := (float64(bytes[0]) / cpu[0].Seconds()) / (float64(bytes[i]) / cpu[i].Seconds())
			b.ReportMetric(r, "x-"+c.name+"-cpu")
			r = (float64(bytes[0]) / wall[0].Seconds()) / (float64(bytes[i]) / wall[i].Seconds())
			b.ReportMetric(r, "x-"+c.name+"-wall")
		}
	}
}

// extractOnce returns a contender that extracts path with x, reading every
// entry to its end with a 256 KiB buffer.
func extractOnce(b *testing.B, x *archive.Extractor, path string) contender {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	fi, err := f.Stat()
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 256<<10)
	return contender{"ours", func() (int64, error) {
		var total int64
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return 0, err
		}
		err := x.Extract(context.Background(), fi.Name(), f, fi.Size(), func(e archive.Entry, r io.Reader) error {
			n, err := readAll(r, buf)
			total += n
			return err
		})
		return total, err
	}}
}

// BenchmarkZipVsStdlib is the ZIP figure in one benchmark: Extract, Go's
// archive/zip and klauspost's inflater alone (as in FlateCeiling), on the
// Info-ZIP -6 file, interleaved. x-stdlib-cpu is the figure (Extract's
// speed over archive/zip's); x-ceiling-cpu is the share of the inflater's
// own speed that Extract keeps.
func BenchmarkZipVsStdlib(b *testing.B) {
	path := benchZip(b)
	buf := make([]byte, 256<<10)
	stdlib := contender{"stdlib", func() (int64, error) { return readStdlibZip(path, buf) }}
	raw := rawEntry(b, path)
	br := bufio.NewReaderSize(nil, 256<<10)
	fr := flate.NewReader(nil)
	ceiling := contender{"ceiling", func() (int64, error) {
		br.Reset(io.NewSectionReader(raw, 0, raw.Size()))
		if err := fr.(flate.Resetter).Reset(br, nil); err != nil {
			return 0, err
		}
		return readAll(fr, buf)
	}}
	benchRatio(b, extractOnce(b, &archive.Extractor{}, path), stdlib, ceiling)
}

// BenchmarkZstdVsCeiling interleaves Extract on the zstd -3 file with
// klauspost's decoder alone (as in ZstdCeiling/Read); x-ceiling-cpu is the
// share of the decoder's own speed that Extract keeps.
func BenchmarkZstdVsCeiling(b *testing.B) {
	path := benchZstdFile(b)
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	zd := ceilingZstd(b)
	buf := make([]byte, 256<<10)
	ceiling := contender{"ceiling", func() (int64, error) {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return 0, err
		}
		if err := zd.Reset(f); err != nil {
			return 0, err
		}
		return readAll(zd, buf)
	}}
	benchRatio(b, extractOnce(b, &archive.Extractor{}, path), ceiling)
}

// benchZstdFile returns the benchmark SQL compressed by the zstd tool at
// level 3, made once.
func benchZstdFile(b *testing.B) string {
	return benchFile(b, "bench.sql.zst", func(dir, path string) {
		run(b, dir, nil, "zstd", "-q", "-3", benchSQL(b), "-o", path)
	})
}

// ceilingZstd returns klauspost's decoder with the options that make it
// fastest on one stream (the ceiling benchmarks' anchor), closed when b
// ends.
func ceilingZstd(b *testing.B) *zstd.Decoder {
	zd, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(false), zstd.WithDecoderMaxWindow(128<<20))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(zd.Close)
	return zd
}
