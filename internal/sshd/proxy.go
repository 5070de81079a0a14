package sshd

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
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
	// Upstream, when set before connections arrive, makes cut count the
	// bytes sent by the client instead (a database client's rows).
	Upstream atomic.Bool

	target string
	delay  time.Duration // one way, each direction
	cut    func(n int) int64
	ln     net.Listener
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	n      int
}

// NewProxy starts a proxy to target, closed when the test ends. cut is
// called for the n-th connection (from 1) and returns after how many bytes
// sent by the target (see Upstream) that connection is cut; 0 means never.
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

// NewLatencyProxy starts a proxy to target that delivers everything delay
// after it arrived, in each direction: a link with a round-trip time of
// twice delay and no bandwidth limit. It is closed when the test ends.
func NewLatencyProxy(t testing.TB, target string, delay time.Duration) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{Addr: ln.Addr().String(), target: target, delay: delay, cut: func(int) int64 { return 0 },
		ln: ln, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.Close)
	return p
}

// delayCopy copies src to dst, writing each chunk delay after it was read.
// It returns when src fails; after dst fails, what src sends is dropped.
func delayCopy(dst io.Writer, src io.Reader, delay time.Duration) {
	type chunk struct {
		b  []byte
		at time.Time
	}
	ch := make(chan chunk, 1024)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for c := range ch {
			time.Sleep(time.Until(c.at))
			if _, err := dst.Write(c.b); err != nil {
				for range ch {
				}
				return
			}
		}
	}()
	for {
		b := make([]byte, 64<<10)
		n, err := src.Read(b)
		if n > 0 {
			ch <- chunk{b[:n], time.Now().Add(delay)}
		}
		if err != nil {
			break
		}
	}
	close(ch)
	<-done
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
		limit, up := p.cut(n), p.Upstream.Load()
		clientDone := make(chan struct{})
		p.wg.Add(2)
		go func() {
			defer p.wg.Done()
			if limit > 0 && up {
				p.copyCut(s, c, limit, nil)
			} else if p.delay > 0 {
				delayCopy(s, c, p.delay)
			} else {
				io.Copy(s, c)
			}
			close(clientDone)
			s.Close()
			c.Close()
			p.track(c, false)
		}()
		go func() {
			defer p.wg.Done()
			if limit > 0 && !up {
				p.copyCut(c, s, limit, clientDone)
			} else if p.delay > 0 {
				delayCopy(c, s, p.delay)
			} else {
				io.Copy(c, s)
			}
			s.Close()
			c.Close()
			p.track(s, false)
		}()
	}
}

// copyCut copies limit bytes from src to dst and counts a cut; with Stall
// it then waits until done is closed (nil: until src fails), forwarding
// nothing more.
func (p *Proxy) copyCut(dst io.Writer, src io.Reader, limit int64, done <-chan struct{}) {
	if _, err := io.CopyN(dst, src, limit); err != nil {
		return
	}
	p.Cuts.Add(1)
	if !p.Stall.Load() {
		return
	}
	if done != nil {
		<-done // forward nothing more until the client gives up
		return
	}
	io.Copy(io.Discard, src)
}
