package source

// SetSlowList makes s read folders with pkg/sftp's ReadDir only, one
// READDIR round trip at a time, as before the pipelined listing client
// (benchmarks compare both).
func SetSlowList(s *SFTP, slow bool) { s.slowList = slow }

// ListsPipelined reports whether s's connection has a working pipelined
// listing client.
func ListsPipelined(s *SFTP) bool {
	s.mu.Lock()
	c := s.conn
	s.mu.Unlock()
	if c == nil {
		return false
	}
	c.listMu.Lock()
	defer c.listMu.Unlock()
	return c.lister != nil && !c.lister.broken()
}
