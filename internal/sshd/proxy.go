package sshd

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// Proxy forwards TCP connections from a loopback port to a target and cuts
// them on demand.
type Proxy struct {
	// Addr is the proxy's "127.0.0.1:port".
	Addr string
	// Cuts counts the connections the proxy cut (or stalled).
	Cuts atomic.Int64
	// Stall, when set before connections arrive, makes the proxy stop
	// forwarding at the cut point and keep the connection open (a stall)
	// instead of closing it.
	Stall atomic.Bool

	target string
	cut    func(n int) int64
	ln     net.Listener
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	n      int
}

// NewProxy starts a proxy to target, closed when the test ends. cut is
// called for the n-th connection (from 1) and returns after how many bytes
// sent by the target that connection is cut; 0 means never.
func NewProxy(t testing.TB, target string, cut func(n int) int64) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{Addr: ln.Addr().String(), target: target, cut: cut, ln: ln, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.Close)
	return p
}

// Close stops the proxy and waits for its goroutines.
func (p *Proxy) Close() {
	p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *Proxy) track(c net.Conn, add bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if add {
		p.conns[c] = struct{}{}
	} else {
		delete(p.conns, c)
	}
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.n++
		n := p.n
		p.mu.Unlock()
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.track(c, true)
		p.track(s, true)
		limit := p.cut(n)
		clientDone := make(chan struct{})
		p.wg.Add(2)
		go func() {
			defer p.wg.Done()
			io.Copy(s, c)
			close(clientDone)
			s.Close()
			c.Close()
			p.track(c, false)
		}()
		go func() {
			defer p.wg.Done()
			var err error
			if limit > 0 {
				_, err = io.CopyN(c, s, limit)
				if err == nil {
					p.Cuts.Add(1)
					if p.Stall.Load() {
						<-clientDone // forward nothing more until the client gives up
					}
				}
			} else {
				io.Copy(c, s)
			}
			s.Close()
			c.Close()
			p.track(s, false)
		}()
	}
}
