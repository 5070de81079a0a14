// Package archive detects and unpacks the containers that dumps are shipped
// in — ZIP (stored, deflate, zstd; ZipCrypto and WinZip AES encrypted), tar,
// gzip, zstd (so .tar.gz and .tar.zst too) and plain files — streaming each
// entry to the caller, unpacking archives nested in entries, and enforcing
// safety limits (entry names, entry count, sizes, compression ratios,
// overlapping ZIP entries) on the bytes actually produced.
//
// Nothing is written to disk, except a ZIP archive that can be neither
// read in place (its reader is not an io.ReaderAt) nor held in memory
// (Limits.MaxBuffer): see Extractor.
package archive

import (
	"errors"
	"fmt"
	"time"
)

// Format is a container format, detected from a file's first bytes.
type Format uint8

// The formats.
const (
	// Plain is an uncompressed file, passed through as it is.
	Plain Format = iota
	// Zip is a ZIP archive.
	Zip
	// Gzip is a gzip stream.
	Gzip
	// Zstd is a Zstandard stream.
	Zstd
	// Tar is a tar archive.
	Tar
)

var formatNames = [...]string{Plain: "plain", Zip: "zip", Gzip: "gzip", Zstd: "zstd", Tar: "tar"}

// String returns the format's name.
func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return fmt.Sprintf("Format(%d)", f)
}

// Entry describes one member of an archive, or the whole content of a file
// that is not an archive (plain, gzip or zstd).
type Entry struct {
	// Name is the entry's path inside the archive (slash-separated, checked
	// to be local). For a file that is not an archive it is the file's base
	// name with any compression suffix (.gz, .zst) removed.
	Name string
	// Format is the container the entry came from.
	Format Format
	// Size is the uncompressed size when the container declares it, else -1.
	Size int64
	// CompressedSize is the stored size when known, else -1.
	CompressedSize int64
	// Modified is the entry's modification time when the container has one.
	Modified time.Time
	// Encrypted reports whether the entry was encrypted.
	Encrypted bool
}

// Sentinel errors, wrapped by *Error; test for them with errors.Is.
var (
	// ErrFormat means the input is not a valid archive of its detected format.
	ErrFormat = errors.New("archive: malformed archive")
	// ErrLimit means a safety limit (entry count, entry or total size,
	// compression ratio, size of a ZIP to spool) was exceeded, or the ZIP
	// archive is an overlapping-entry bomb.
	ErrLimit = errors.New("archive: safety limit exceeded")
	// ErrInsecurePath means an entry name is not a local path (empty,
	// absolute, with "..", a backslash, a NUL byte or a drive letter) or is
	// the name of another entry too.
	ErrInsecurePath = errors.New("archive: insecure entry name")
	// ErrPassword means an encrypted entry's password is missing or wrong.
	ErrPassword = errors.New("archive: wrong or missing password")
	// ErrUnsupported means a compression or encryption method this package
	// cannot read.
	ErrUnsupported = errors.New("archive: unsupported method")
	// ErrChecksum means an entry's CRC-32 or authentication code did not
	// match its data.
	ErrChecksum = errors.New("archive: checksum mismatch")
)

// Error reports a failure inside an archive: which archive, which entry and
// where in the entry. It never contains a password.
type Error struct {
	// Archive is the archive's file name.
	Archive string
	// Entry is the entry's name, or "" when the failure is not in one entry.
	Entry string
	// Offset is the byte offset in the archive file (for format errors) or
	// in the entry's uncompressed data, -1 when unknown.
	Offset int64
	// Err is the cause; it wraps one of the sentinels above where one applies.
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	s := "archive " + e.Archive
	if e.Entry != "" {
		s += ", entry " + e.Entry
	}
	if e.Offset >= 0 {
		s += fmt.Sprintf(", byte %d", e.Offset)
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }
