package remote

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
)

// String returns the source's URL without secrets
// ("sftp://user@host:port/path", or scp:// with ProtocolSCP), fit for logs
// and for the Source of a state.JSON (package source/state).
func (s *SFTP) String() string {
	scheme := "sftp"
	if s.Protocol == ProtocolSCP {
		scheme = "scp"
	}
	p := s.Path
	if !strings.HasPrefix(p, "/") {
		p = "/~/" + p
	}
	u := url.URL{Scheme: scheme, Host: s.addr(), Path: p}
	if s.User != "" {
		u.User = url.User(s.User)
	}
	return u.String()
}

// ParseURL returns a source for an "sftp://user[:password]@host[:port]/path"
// or "scp://..." URL (scp forces ProtocolSCP). The path is absolute; use
// "/~/dir" or a path without the leading slash after the host
// ("sftp://host/~/dir") for one relative to the login folder. Query
// parameters: known_hosts (a file, repeatable), fingerprint, key (a key
// file, repeatable), recursive, tofu, agent, pattern (repeatable).
// Other fields (Password, Passphrase...) can be set on the result.
func ParseURL(raw string) (*SFTP, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error quotes the URL, which may hold a password.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("remote: bad URL: %w", err)
	}
	s := &SFTP{}
	switch u.Scheme {
	case "sftp":
	case "scp":
		s.Protocol = ProtocolSCP
	default:
		return nil, fmt.Errorf("remote: URL scheme %q is not sftp or scp", u.Scheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("remote: URL %q has no host", u.Redacted())
	}
	s.Addr = u.Host
	if u.User != nil {
		s.User = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	if s.User == "" {
		s.User = os.Getenv("USER")
	}
	p := u.Path
	switch {
	case p == "" || p == "/~" || p == "/~/":
		p = ""
	case strings.HasPrefix(p, "/~/"):
		p = p[3:]
	}
	s.Path = p
	q := u.Query()
	s.KnownHosts = q["known_hosts"]
	s.HostKeyFingerprint = q.Get("fingerprint")
	s.KeyFiles = q["key"]
	s.Patterns = q["pattern"]
	for _, b := range []struct {
		key string
		dst *bool
	}{{"recursive", &s.Recursive}, {"tofu", &s.TrustOnFirstUse}, {"agent", &s.UseAgent}} {
		if v := q.Get(b.key); v != "" {
			if *b.dst, err = strconv.ParseBool(v); err != nil {
				return nil, fmt.Errorf("remote: URL parameter %s=%q: %w", b.key, v, err)
			}
		}
	}
	return s, nil
}
