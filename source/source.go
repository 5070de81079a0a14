// Package source lists and opens the dump files that an import reads: a
// local folder or any fs.FS, and (see sftp.go) a remote folder over SFTP or
// legacy SCP. It also holds the precompiled pattern Matcher used to select
// files by name.
package source

import (
	"time"
)

// File describes one file of a source.
type File struct {
	// Name is the file's slash-separated path relative to the source's root.
	Name string
	// Size is the file's size in bytes, or -1 when unknown.
	Size int64
	// ModTime is the file's modification time.
	ModTime time.Time
	// Checksum is an optional content checksum ("sha256:hex"), "" when the
	// source does not provide one.
	Checksum string
}
