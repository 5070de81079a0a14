package archive

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"sync"
	"sync/atomic"
)

// Limits are the safety limits an Extractor enforces. They are checked on
// the bytes actually produced while an entry is streamed, never only on the
// sizes an archive declares. A zero field means its default; a negative
// field means no limit.
type Limits struct {
	// MaxEntries is the most entries (files) one Extract call may yield,
	// counting entries of nested archives. Default DefaultMaxEntries.
	MaxEntries int
	// MaxEntrySize is the most uncompressed bytes one entry may produce.
	// Default DefaultMaxEntrySize.
	MaxEntrySize int64
	// MaxTotalSize is the most uncompressed bytes all entries of one
	// Extract call may produce together. Default DefaultMaxTotalSize.
	MaxTotalSize int64
	// MaxRatio is the highest compression ratio (uncompressed bytes divided
	// by compressed bytes) allowed, per entry and for the whole file. It is
	// only enforced once an entry (or the whole file) has produced more than
	// RatioSlack bytes, so that small, very compressible files pass.
	// Default DefaultMaxRatio.
	MaxRatio int64
	// MaxBuffer is how many bytes of a ZIP archive that cannot be read in
	// place (its reader is not an io.ReaderAt, or it is nested in another
	// archive) are held in memory. A larger ZIP is spooled to a temporary
	// file, up to MaxSpool bytes. Default DefaultMaxBuffer.
	MaxBuffer int64
	// MaxSpool is the largest ZIP archive that is spooled to a temporary
	// file (in Extractor.TempDir) when it cannot be read in place and is
	// larger than MaxBuffer. A negative value never spools: such a ZIP must
	// fit in MaxBuffer. Default DefaultMaxSpool.
	MaxSpool int64
}

// The default limits.
const (
	DefaultMaxEntries   = 10_000
	DefaultMaxEntrySize = 64 << 30 // 64 GiB
	DefaultMaxTotalSize = 64 << 30 // 64 GiB
	DefaultMaxRatio     = 1000
	DefaultMaxBuffer    = 64 << 20 // 64 MiB
	DefaultMaxSpool     = 16 << 30 // 16 GiB
	// RatioSlack is the number of uncompressed bytes an entry (or a file)
	// may produce before MaxRatio is enforced.
	RatioSlack = 1 << 20
	// DefaultMaxDepth is the default Extractor.MaxDepth.
	DefaultMaxDepth = 3
)

const unlimited = int64(1<<63 - 1)

func orDefault(v, def int64) int64 {
	switch {
	case v == 0:
		return def
	case v < 0:
		return unlimited
	}
	return v
}

// resolved returns l with defaults filled in and "no limit" turned into the
// largest int64.
func (l Limits) resolved() Limits {
	spool := orDefault(l.MaxSpool, DefaultMaxSpool)
	if l.MaxSpool < 0 {
		spool = -1
	}
	return Limits{
		MaxEntries:   int(orDefault(int64(l.MaxEntries), DefaultMaxEntries)),
		MaxEntrySize: orDefault(l.MaxEntrySize, DefaultMaxEntrySize),
		MaxTotalSize: orDefault(l.MaxTotalSize, DefaultMaxTotalSize),
		MaxRatio:     orDefault(l.MaxRatio, DefaultMaxRatio),
		MaxBuffer:    orDefault(l.MaxBuffer, DefaultMaxBuffer),
		MaxSpool:     spool,
	}
}

// ratioExceeded reports whether out bytes produced from in compressed bytes
// go over the ratio limit.
func ratioExceeded(out, in, maxRatio int64) bool {
	if out <= RatioSlack || maxRatio == unlimited {
		return false
	}
	if in <= 0 {
		return true
	}
	return float64(out) > float64(maxRatio)*float64(in)
}

// counters are the limits state shared by every entry of one Extract call
// (and by the goroutines of a parallel extraction).
type counters struct {
	lim     Limits
	entries atomic.Int64
	total   atomic.Int64
	// in returns the compressed bytes the whole file has taken so far (or
	// its size), for the overall ratio.
	in func() int64

	mu    sync.Mutex
	names map[string]struct{}
}

// errDuplicate is wrapped with ErrInsecurePath.
var errDuplicate = errors.New("duplicate entry name")

// addEntry counts one more entry called name and checks its name.
func (c *counters) addEntry(name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	if n := c.entries.Add(1); n > int64(c.lim.MaxEntries) {
		return fmt.Errorf("%w: more than %d entries", ErrLimit, c.lim.MaxEntries)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.names == nil {
		c.names = make(map[string]struct{})
	}
	if _, dup := c.names[name]; dup {
		return fmt.Errorf("%w: %w", ErrInsecurePath, errDuplicate)
	}
	c.names[name] = struct{}{}
	return nil
}

// checkName returns an error wrapping ErrInsecurePath unless name is a local,
// slash-separated relative path.
func checkName(name string) error {
	bad := func(why string) error { return fmt.Errorf("%w: %s", ErrInsecurePath, why) }
	switch {
	case name == "":
		return bad("empty name")
	case strings.IndexByte(name, 0) >= 0:
		return bad("NUL byte in name")
	case strings.IndexByte(name, '\\') >= 0:
		return bad("backslash in name")
	case name[0] == '/':
		return bad("absolute name")
	case len(name) >= 2 && name[1] == ':' && isLetter(name[0]):
		return bad("drive letter in name")
	}
	for elem := range strings.SplitSeq(name, "/") {
		if elem == ".." {
			return bad(`".." in name`)
		}
	}
	if c := path.Clean(name); c == "." || c == ".." || strings.HasPrefix(c, "../") {
		return bad("name outside the archive")
	}
	return nil
}

func isLetter(b byte) bool { return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' }

// localName strips the "./" prefixes that tar adds.
func localName(name string) string {
	for strings.HasPrefix(name, "./") {
		name = name[2:]
	}
	return name
}
