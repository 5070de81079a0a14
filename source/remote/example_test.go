package remote_test

import (
	"fmt"

	"github.com/dumpline/importer/source/remote"
)

// ParseURL reads the connection from a URL; String gives it back without
// the password, fit for logs and as the identity of a state file.
func ExampleParseURL() {
	src, err := remote.ParseURL("sftp://importer:secret@drop.example.com/~/exports?known_hosts=/etc/importer/known_hosts&pattern=*.zip")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer src.Close()
	fmt.Println(src.String())
	fmt.Println(src.Path, src.KnownHosts, src.Patterns)
	// Output:
	// sftp://importer@drop.example.com:22/~/exports
	// exports [/etc/importer/known_hosts] [*.zip]
}
