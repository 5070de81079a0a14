package sqlparse

import (
	"encoding/binary"
	"math/bits"
)

// Block classification for skipping INSERT rows (Split, and Check's pieces).
//
// classifyBlocks turns each 64-byte block of the input into three bit masks,
// one bit per byte: the dialect's string quote ('), the backslash, and the
// other bytes that matter inside a row (parentheses, the other quotes,
// comment starts, the delimiter's first byte). On amd64 with AVX2 it is
// written in assembly (two nibble lookups per 32 bytes, as simdjson does);
// elsewhere the fast path is off. skipRowsFast then walks those masks: it
// removes escaped quotes, turns the remaining quotes into a mask of the
// bytes inside strings by a prefix XOR, and visits only the bytes outside
// strings that matter. Anything it does not handle itself (comments,
// other quotes, the delimiter, a stray backslash) ends the fast path at the
// last whole row, and the byte-by-byte scanner takes over from there.
//
// find2x64, also in assembly, marks two byte values among 64: scanString
// and valuesFast find the end of a string (or its first escape) with one
// call instead of a loop.

// Class bits in the nibble tables.
const (
	clsQuote  = 0x01
	clsBslash = 0x02
	clsOther  = 0xFC // four to six groups of other bytes
)

// nibbleTab is what classifyBlocks reads. Every row is 32 bytes (the 16-byte
// table twice, one per AVX2 lane).
type nibbleTab struct {
	lo, hi   [32]byte // class bits by low and by high nibble
	low4     [32]byte // 0x0F
	quoteBit [32]byte // clsQuote
	bsBit    [32]byte // clsBslash
	other    [32]byte // clsOther
}

// class returns the class bits of c, as the assembly computes them.
func (t *nibbleTab) class(c byte) byte {
	if c >= 0x80 {
		return 0 // PSHUFB gives 0 for an index with its top bit set
	}
	return t.lo[c&15] & t.hi[c>>4]
}

// buildNibbleTab returns the tables that classify quote, the backslash and
// the bytes of other (which must not hold quote or the backslash), or false
// if other cannot be expressed in six groups of bytes sharing a high nibble.
func buildNibbleTab(quote byte, other *[256]bool) (nibbleTab, bool) {
	var t nibbleTab
	var groups [8]uint16 // low nibbles of other, by high nibble
	for c := range 256 {
		if !other[c] || c == int(quote) || c == '\\' {
			continue
		}
		if c >= 0x80 {
			return t, false
		}
		groups[c>>4] |= 1 << (c & 15)
	}
	bit := byte(0x04)
	var assigned [8]byte
	for h, set := range groups {
		if set == 0 {
			continue
		}
		// High nibbles with the same low-nibble set share a bit.
		for h2 := range h {
			if groups[h2] == set {
				assigned[h] = assigned[h2]
			}
		}
		if assigned[h] == 0 {
			if bit == 0 {
				return t, false
			}
			assigned[h] = bit
			for l := range 16 {
				if set&(1<<l) != 0 {
					t.lo[l] |= bit
				}
			}
			bit <<= 1
		}
		t.hi[h] |= assigned[h]
	}
	t.lo[quote&15] |= clsQuote
	t.hi[quote>>4] |= clsQuote
	t.lo['\\'&15] |= clsBslash
	t.hi['\\'>>4] |= clsBslash
	for i := range 16 {
		t.lo[16+i], t.hi[16+i] = t.lo[i], t.hi[i]
	}
	for i := range 32 {
		t.low4[i], t.quoteBit[i], t.bsBit[i], t.other[i] = 0x0F, clsQuote, clsBslash, clsOther
	}
	for c := range 256 {
		k := t.class(byte(c))
		want := byte(0)
		switch {
		case c == int(quote):
			want = clsQuote
		case c == '\\':
			want = clsBslash
		}
		if k&(clsQuote|clsBslash) != want || (k&clsOther != 0) != (want == 0 && other[c]) {
			return t, false
		}
	}
	return t, true
}

// classifyGo is classifyBlocks in Go, for other platforms' tests and to
// check the assembly.
func classifyGo(b []byte, n int, t *nibbleTab, out [][3]uint64) {
	for k := range n {
		var m [3]uint64
		for i, c := range b[k*64 : k*64+64] {
			cls := t.class(c)
			if cls&clsQuote != 0 {
				m[0] |= 1 << i
			}
			if cls&clsBslash != 0 {
				m[1] |= 1 << i
			}
			if cls&clsOther != 0 {
				m[2] |= 1 << i
			}
		}
		out[k] = m
	}
}

// prefixXor returns the mask whose bit i is the XOR of bits 0 to i of x:
// with x the quotes of a block, the bytes from an opening quote up to (not
// including) its closing quote.
func prefixXor(x uint64) uint64 {
	x ^= x << 1
	x ^= x << 2
	x ^= x << 4
	x ^= x << 8
	x ^= x << 16
	x ^= x << 32
	return x
}

// fastBatch is the most blocks classified at once.
const fastBatch = 16

// skipRowsFast skips whole rows from the '(' at b[open] while they hold
// nothing but numbers, words, parentheses and strings in the dialect's
// quote, and returns the index after the last row it skipped (open if
// none). It stops after a row not followed by a comma, white space and
// '(', before a row holding anything else, and before the last 64 bytes of
// b; the caller reads on byte by byte from there. bs says whether
// backslashes escape in strings.
func (r *Reader) skipRowsFast(b []byte, open int, bs bool) (end int) {
	var masks [fastBatch][3]uint64
	end = open
	depth := 0
	var inside uint64 // all ones while a string is open across blocks
	var escNext uint64
	p := open
	batch := 2
	for {
		n := min((len(b)-p)/64, batch)
		if n == 0 {
			return end
		}
		classify(b[p:], n, &r.nib, masks[:n])
		for k := range n {
			m := &masks[k]
			q := m[0]
			var stray uint64
			if bs {
				x := m[1]
				if x|escNext != 0 {
					esc := escNext
					x &^= escNext
					escNext = 0
					for x != 0 {
						t := bits.TrailingZeros64(x)
						if t == 63 {
							escNext = 1
							break
						}
						esc |= 2 << t
						x &^= 3 << t
					}
					q &^= esc
				}
				stray = m[1]
			}
			in := prefixXor(q) ^ inside
			inside = uint64(int64(in) >> 63)
			// A backslash outside strings is left to the byte scanner; the
			// quotes after it may be wrong, but nothing after it is used.
			ev := (m[2] | stray) &^ in
			base := p + k*64
			for ev != 0 {
				j := base + bits.TrailingZeros64(ev)
				ev &= ev - 1
				switch b[j] {
				case '(':
					depth++
				case ')':
					depth--
					if depth > 0 {
						continue
					}
					end = j + 1
					// Rows separated by a comma and white space go on.
					if j+1 < len(b) && b[j+1] == ',' {
						k := j + 2
						for k < len(b) && spaceTab[b[k]] {
							k++
						}
						if k < len(b) && b[k] == '(' {
							continue
						}
					}
					return end
				case '-':
					if j+1 < len(b) && b[j+1] != '-' {
						continue // a minus sign
					}
					return end
				default:
					return end
				}
			}
		}
		p += n * 64
		batch = min(2*batch, fastBatch)
	}
}

// find2x64Go is find2x64 in Go, eight bytes at a time: the exact zero-byte
// test of each XOR marks the matching bytes with their top bit, and one
// multiplication gathers the eight top bits into a byte.
func find2x64Go(b *[64]byte, a, c byte) uint64 {
	const low7 = 0x7f7f7f7f7f7f7f7f
	aa, cc := uint64(a)*ones, uint64(c)*ones
	var m uint64
	for i := 0; i < 64; i += 8 {
		v := binary.LittleEndian.Uint64(b[i:])
		x, y := v^aa, v^cc
		// The top bit of each byte of z is set where x or y has a zero byte.
		z := ^((x&low7 + low7) | x) | ^((y&low7 + low7) | y)
		m |= ((z & highs) >> 7 * 0x0102040810204080) >> 56 << i
	}
	return m
}
