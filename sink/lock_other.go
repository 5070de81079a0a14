//go:build !unix

package sink

import "os"

// lockFile does nothing where flock is missing.
func lockFile(*os.File) error { return nil }

// tryLockFile reports false where flock is missing: leftovers are kept,
// since a live run's file cannot be told from a crashed one's.
func tryLockFile(*os.File) bool { return false }
