package remote

import (
	"context"
	"io"
	"sync"
)

const (
	cacheBlock    = 1 << 20 // bytes per block
	cacheBlocks   = 12      // blocks kept (12 MiB per open file at most)
	cachePrefetch = 3       // blocks read ahead of the one being read
)

// blockCache serves small ReadAt calls (the ZIP extractor reads entries in
// 64 KiB pieces) from 1 MiB blocks, and fetches the next few blocks in the
// background, so that reading an archive in place over SFTP keeps several
// requests in flight instead of waiting one round trip per piece. Blocks
// are evicted least recently used first. Its goroutines stop in close.
type blockCache struct {
	ctx    context.Context
	cancel context.CancelFunc
	size   int64
	fetch  func(b []byte, off int64) (int, error)

	mu     sync.Mutex
	blocks map[int64]*cacheEntry
	tick   uint64
	wg     sync.WaitGroup
}

type cacheEntry struct {
	ready chan struct{}
	data  []byte
	err   error
	used  uint64 // guarded by blockCache.mu
}

func newBlockCache(ctx context.Context, size int64, fetch func([]byte, int64) (int, error)) *blockCache {
	ctx, cancel := context.WithCancel(ctx)
	return &blockCache{ctx: ctx, cancel: cancel, size: size, fetch: fetch, blocks: map[int64]*cacheEntry{}}
}

// get returns block idx, starting its fetch when it is not cached. It must
// be called with mu held.
func (bc *blockCache) get(idx int64) *cacheEntry {
	bc.tick++
	if e, ok := bc.blocks[idx]; ok {
		e.used = bc.tick
		return e
	}
	if bc.ctx.Err() != nil {
		e := &cacheEntry{ready: make(chan struct{}), err: bc.ctx.Err()}
		close(e.ready)
		return e
	}
	for len(bc.blocks) >= cacheBlocks && bc.evict() {
	}
	e := &cacheEntry{ready: make(chan struct{}), used: bc.tick}
	bc.blocks[idx] = e
	off := idx * cacheBlock
	n := min(cacheBlock, bc.size-off)
	bc.wg.Add(1)
	go func() {
		defer bc.wg.Done()
		buf := make([]byte, n)
		m, err := bc.fetch(buf, off)
		if err == io.EOF && int64(m) == n {
			err = nil
		}
		e.data, e.err = buf[:m], err
		close(e.ready)
		if err != nil {
			bc.mu.Lock()
			if bc.blocks[idx] == e {
				delete(bc.blocks, idx) // a later read tries again
			}
			bc.mu.Unlock()
		}
	}()
	return e
}

// evict drops the least recently used block that is not being fetched.
func (bc *blockCache) evict() bool {
	var victim int64 = -1
	var oldest uint64
	for idx, e := range bc.blocks {
		select {
		case <-e.ready:
		default:
			continue
		}
		if victim < 0 || e.used < oldest {
			victim, oldest = idx, e.used
		}
	}
	if victim < 0 {
		return false
	}
	delete(bc.blocks, victim)
	return true
}

// ReadAt reads from the cached blocks.
func (bc *blockCache) ReadAt(b []byte, off int64) (int, error) {
	n := 0
	for n < len(b) {
		pos := off + int64(n)
		if pos >= bc.size {
			return n, io.EOF
		}
		idx := pos / cacheBlock
		bc.mu.Lock()
		e := bc.get(idx)
		last := (bc.size - 1) / cacheBlock
		for i := idx + 1; i <= min(idx+cachePrefetch, last); i++ {
			bc.get(i)
		}
		bc.mu.Unlock()
		select {
		case <-e.ready:
		case <-bc.ctx.Done():
			return n, bc.ctx.Err()
		}
		if e.err != nil {
			return n, e.err
		}
		in := pos - idx*cacheBlock
		if in >= int64(len(e.data)) {
			return n, io.ErrUnexpectedEOF
		}
		n += copy(b[n:], e.data[in:])
	}
	return n, nil
}

// close cancels the fetches and waits for their goroutines.
func (bc *blockCache) close() {
	bc.cancel()
	bc.wg.Wait()
}
