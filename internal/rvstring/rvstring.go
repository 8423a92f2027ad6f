package rvstring

import "strconv"

// batch is how many consecutive versions share one string.
const batch = 8

// Formatter formats versions as strconv.FormatUint(v, 10) does. The zero
// value is ready to use. It is not safe for concurrent use: its callers
// format under their own lock.
type Formatter struct {
	base uint64 // the version of the first in buf
	n    int    // how many versions buf holds
	buf  string
	ends [batch]uint8 // where each version ends in buf
}

// Format returns v in decimal.
func (f *Formatter) Format(v uint64) string {
	i := v - f.base
	if v < f.base || i >= uint64(f.n) {
		f.fill(v)
		i = 0
	}
	start := 0
	if i > 0 {
		start = int(f.ends[i-1])
	}
	return f.buf[start:f.ends[i]]
}

// fill formats v and the versions after it (up to batch, short of
// overflowing) into a new string.
func (f *Formatter) fill(v uint64) {
	var b [batch * 20]byte
	out := b[:0]
	n := 0
	for ; n < batch && v+uint64(n) >= v; n++ {
		out = strconv.AppendUint(out, v+uint64(n), 10)
		f.ends[n] = uint8(len(out))
	}
	f.buf = string(out)
	f.base, f.n = v, n
}
