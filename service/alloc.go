package service

import (
	"errors"
	"fmt"
	"math/bits"
	"net/netip"
	"strconv"
	"strings"
)

// Errors of the allocators. Allocate returns them wrapped with the value
// asked for; the service layer turns ErrAllocated and ErrNotInRange into a
// validation error that names the Service and the field.
var (
	// ErrAllocated: the requested ClusterIP or node port belongs to
	// another Service.
	ErrAllocated = errors.New("service: already allocated")
	// ErrNotInRange: the requested ClusterIP or node port is outside the
	// allocator's range (or is the range's network or broadcast address).
	ErrNotInRange = errors.New("service: not in the valid range")
	// ErrRangeFull: dynamic allocation found no free value.
	ErrRangeFull = errors.New("service: range is full")
)

// bitmap allocates offsets 0..size-1. Offsets below band form the lower
// ("static") band: dynamic allocation takes the lowest free offset at or
// above band, and the lower band only when the upper one is full, as
// Kubernetes' allocators prefer the upper band and leave the lower one to
// requests for a specific value. The lowest-free rule makes allocation
// deterministic. It is not safe for concurrent use.
type bitmap struct {
	words []uint64
	size  int
	band  int
	used  int
	hint  int // no free offset at or above band below hint
}

func newBitmap(size, band int) *bitmap {
	band = min(band, size)
	return &bitmap{words: make([]uint64, (size+63)/64), size: size, band: band, hint: band}
}

func (b *bitmap) has(i int) bool { return b.words[i/64]&(1<<(i%64)) != 0 }

func (b *bitmap) set(i int) bool {
	if b.has(i) {
		return false
	}
	b.words[i/64] |= 1 << (i % 64)
	b.used++
	return true
}

func (b *bitmap) clear(i int) {
	if !b.has(i) {
		return
	}
	b.words[i/64] &^= 1 << (i % 64)
	b.used--
	if i >= b.band && i < b.hint {
		b.hint = i
	}
}

// next returns the lowest free offset in [from, to), or -1.
func (b *bitmap) next(from, to int) int {
	for i := from; i < to; {
		w := b.words[i/64] >> (i % 64)
		if ^w == 0 && i%64 == 0 {
			i += 64
			continue
		}
		if z := bits.TrailingZeros64(^w); z < 64-i%64 {
			if j := i + z; j < to {
				return j
			}
			return -1
		}
		i += 64 - i%64
	}
	return -1
}

// take allocates the lowest free offset, upper band first, or returns -1.
func (b *bitmap) take() int {
	i := b.next(b.hint, b.size)
	if i >= 0 {
		b.hint = i + 1
	} else {
		b.hint = b.size
		i = b.next(0, b.band)
	}
	if i >= 0 {
		b.set(i)
	}
	return i
}

func (b *bitmap) reset() {
	clear(b.words)
	b.used, b.hint = 0, b.band
}

// IPAllocator hands out ClusterIPs from an IPv4 CIDR. The network and
// broadcast addresses are never handed out. Dynamic allocation takes the
// lowest free address of the upper band; the lower ("static") band, the
// first min(max(16, size/16), 256) addresses after the network address
// (none when the CIDR has fewer than 16 addresses), is used by dynamic
// allocation only when the upper band is full, so Services asking for a
// fixed address there rarely collide. As Kubernetes' allocator (KEP-3070),
// the band is counted from the first usable address: in 10.96.0.0/24 it
// is 10.96.0.1-10.96.0.16 and dynamic allocation starts at 10.96.0.17. It
// is not safe for concurrent use; the service layer serialises it.
type IPAllocator struct {
	prefix netip.Prefix
	base   uint32
	bm     *bitmap
}

// DefaultServiceCIDR is the default ClusterIP range, as kubeadm's.
const DefaultServiceCIDR = "10.96.0.0/12"

// NewIPAllocator returns an allocator over cidr, an IPv4 prefix of length
// 8 to 30 ("10.96.0.0/12").
func NewIPAllocator(cidr string) (*IPAllocator, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return nil, fmt.Errorf("service: service CIDR %q: %w", cidr, err)
	}
	if !p.Addr().Is4() || p.Bits() < 8 || p.Bits() > 30 {
		return nil, fmt.Errorf("service: service CIDR %q: want an IPv4 prefix of length 8 to 30", cidr)
	}
	p = p.Masked()
	size := 1 << (32 - p.Bits())
	// calculateRangeOffset (pkg/registry/core/service/ipallocator): no
	// band below 16 addresses; the band starts after the network address
	// (offset 0 of the bitmap), so the upper band starts at 1+band.
	band := 0
	if size >= 16 {
		band = min(max(16, size/16), 256)
	}
	a4 := p.Addr().As4()
	a := &IPAllocator{prefix: p, base: uint32(a4[0])<<24 | uint32(a4[1])<<16 | uint32(a4[2])<<8 | uint32(a4[3]), bm: newBitmap(size, 1+band)}
	a.reserve()
	return a, nil
}

func (a *IPAllocator) reserve() {
	a.bm.set(0)
	a.bm.set(a.bm.size - 1)
}

// CIDR returns the allocator's range.
func (a *IPAllocator) CIDR() netip.Prefix { return a.prefix }

// Contains reports whether ip is an address of the range that can be
// allocated (not its network or broadcast address).
func (a *IPAllocator) Contains(ip netip.Addr) bool {
	i, ok := a.offset(ip)
	return ok && i > 0 && i < a.bm.size-1
}

func (a *IPAllocator) offset(ip netip.Addr) (int, bool) {
	if !a.prefix.Contains(ip) {
		return 0, false
	}
	b := ip.As4()
	return int((uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])) - a.base), true
}

func (a *IPAllocator) addr(i int) netip.Addr {
	v := a.base + uint32(i)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// Allocate takes ip. It fails with ErrNotInRange or ErrAllocated.
func (a *IPAllocator) Allocate(ip netip.Addr) error {
	if !a.Contains(ip) {
		return fmt.Errorf("%w: %s is not in %s", ErrNotInRange, ip, a.prefix)
	}
	i, _ := a.offset(ip)
	if !a.bm.set(i) {
		return fmt.Errorf("%w: %s", ErrAllocated, ip)
	}
	return nil
}

// AllocateNext takes the lowest free address (upper band first), or fails
// with ErrRangeFull.
func (a *IPAllocator) AllocateNext() (netip.Addr, error) {
	i := a.bm.take()
	if i < 0 {
		return netip.Addr{}, fmt.Errorf("%w: no free address in %s", ErrRangeFull, a.prefix)
	}
	return a.addr(i), nil
}

// Release frees ip; releasing a free or foreign address does nothing.
func (a *IPAllocator) Release(ip netip.Addr) {
	if a.Contains(ip) {
		i, _ := a.offset(ip)
		a.bm.clear(i)
	}
}

// Has reports whether ip is allocated.
func (a *IPAllocator) Has(ip netip.Addr) bool {
	return a.Contains(ip) && a.bm.has(must(a.offset(ip)))
}

// Used returns the number of allocated addresses.
func (a *IPAllocator) Used() int { return a.bm.used - 2 }

// Reset frees every address.
func (a *IPAllocator) Reset() {
	a.bm.reset()
	a.reserve()
}

func must(i int, _ bool) int { return i }

// PortRange is a closed range of node ports.
type PortRange struct{ Base, Max int32 }

// DefaultNodePortRange is Kubernetes' default --service-node-port-range.
var DefaultNodePortRange = PortRange{30000, 32767}

// ParsePortRange parses "30000-32767".
func ParsePortRange(s string) (PortRange, error) {
	lo, hi, ok := strings.Cut(s, "-")
	a, err1 := strconv.ParseInt(strings.TrimSpace(lo), 10, 32)
	b, err2 := strconv.ParseInt(strings.TrimSpace(hi), 10, 32)
	r := PortRange{int32(a), int32(b)}
	if !ok || err1 != nil || err2 != nil || r.check() != nil {
		return PortRange{}, fmt.Errorf("service: node port range %q: want \"low-high\" within 1-65535, low <= high", s)
	}
	return r, nil
}

func (r PortRange) check() error {
	if r.Base < 1 || r.Max > 65535 || r.Base > r.Max {
		return fmt.Errorf("service: node port range %s: want low-high within 1-65535, low <= high", r)
	}
	return nil
}

// String formats the range as "30000-32767".
func (r PortRange) String() string { return fmt.Sprintf("%d-%d", r.Base, r.Max) }

// PortAllocator hands out node ports from a range. Dynamic allocation
// takes the lowest free port of the upper band; the lower band (size
// min(max(16, size/32), 128), as Kubernetes') is left to requests for a
// specific port until the upper band is full. It is not safe for
// concurrent use; the service layer serialises it.
type PortAllocator struct {
	r  PortRange
	bm *bitmap
}

// NewPortAllocator returns an allocator over r.
func NewPortAllocator(r PortRange) (*PortAllocator, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	size := int(r.Max-r.Base) + 1
	return &PortAllocator{r: r, bm: newBitmap(size, min(max(16, size/32), 128))}, nil
}

// Range returns the allocator's range.
func (a *PortAllocator) Range() PortRange { return a.r }

// Allocate takes port. It fails with ErrNotInRange or ErrAllocated.
func (a *PortAllocator) Allocate(port int32) error {
	if port < a.r.Base || port > a.r.Max {
		return fmt.Errorf("%w: %d is not in %s", ErrNotInRange, port, a.r)
	}
	if !a.bm.set(int(port - a.r.Base)) {
		return fmt.Errorf("%w: %d", ErrAllocated, port)
	}
	return nil
}

// AllocateNext takes the lowest free port (upper band first), or fails
// with ErrRangeFull.
func (a *PortAllocator) AllocateNext() (int32, error) {
	i := a.bm.take()
	if i < 0 {
		return 0, fmt.Errorf("%w: no free node port in %s", ErrRangeFull, a.r)
	}
	return a.r.Base + int32(i), nil
}

// Release frees port; releasing a free or foreign port does nothing.
func (a *PortAllocator) Release(port int32) {
	if port >= a.r.Base && port <= a.r.Max {
		a.bm.clear(int(port - a.r.Base))
	}
}

// Has reports whether port is allocated.
func (a *PortAllocator) Has(port int32) bool {
	return port >= a.r.Base && port <= a.r.Max && a.bm.has(int(port-a.r.Base))
}

// Used returns the number of allocated ports.
func (a *PortAllocator) Used() int { return a.bm.used }

// Reset frees every port.
func (a *PortAllocator) Reset() { a.bm.reset() }
