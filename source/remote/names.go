package remote

import (
	"fmt"
	"runtime"
	"strings"
)

// checkName refuses a name component from the server that is unsafe to use
// as a local file name.
func checkName(name string) error {
	if name == "" || name == "." || name == ".." {
		return fmt.Errorf("%w: %q", ErrBadName, name)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c == 0x7f || c == '/' || (c == '\\' && runtime.GOOS == "windows") {
			return fmt.Errorf("%w: %q", ErrBadName, name)
		}
	}
	return nil
}

// checkRel refuses a slash-separated relative name whose components are not
// all safe.
func checkRel(name string) error {
	for _, part := range strings.Split(name, "/") {
		if err := checkName(part); err != nil {
			return err
		}
	}
	return nil
}
