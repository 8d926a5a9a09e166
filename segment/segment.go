// Package segment packs one volunteer's positions into a compact,
// delta-encoded segment for long-term storage, and unpacks it. A
// position costs about 7 bytes instead of about 128 as a row with its
// index: time in tenths of a second, longitude and latitude in 1e-7
// degrees (about a centimetre), each as the zigzag varint of its change
// from the position before; accuracy in whole metres; the grid as the
// change of its id. Pure: no I/O.
package segment

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/gridmap/gridmap/model"
)

// version is the first byte of every segment; a new layout gets a new one.
const version = 1

const (
	degree = 1e7                    // units of longitude and latitude per degree
	tick   = 100 * time.Millisecond // unit of time
)

// Encode packs ps (one volunteer's, oldest first) into a segment. Times
// are kept to the tick, coordinates to 1e-7 degrees, accuracy to the
// metre; the order is kept as given.
func Encode(ps []model.Position) []byte {
	buf := make([]byte, 0, 16+7*len(ps))
	buf = append(buf, version)
	buf = binary.AppendUvarint(buf, uint64(len(ps)))
	var t, lon, lat, grid int64
	for i, p := range ps {
		pt := p.At.UnixNano() / int64(tick)
		plon := int64(math.Round(p.Lon * degree))
		plat := int64(math.Round(p.Lat * degree))
		if i == 0 {
			buf = binary.AppendVarint(buf, pt)
		} else {
			buf = binary.AppendVarint(buf, pt-t)
		}
		buf = binary.AppendVarint(buf, plon-lon)
		buf = binary.AppendVarint(buf, plat-lat)
		buf = binary.AppendUvarint(buf, uint64(math.Round(math.Max(0, math.Min(float64(p.Accuracy), 1e6)))))
		buf = binary.AppendVarint(buf, p.GridID-grid)
		t, lon, lat, grid = pt, plon, plat, p.GridID
	}
	return buf
}

// ErrCorrupt is a segment that cannot be read back.
var ErrCorrupt = errors.New("segment: corrupt")

// Decode unpacks a segment of volunteer's positions.
func Decode(volunteer int64, b []byte) ([]model.Position, error) {
	if len(b) == 0 || b[0] != version {
		return nil, fmt.Errorf("%w: unknown version", ErrCorrupt)
	}
	b = b[1:]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) { // each position takes at least 5 bytes
		return nil, fmt.Errorf("%w: count", ErrCorrupt)
	}
	b = b[k:]
	out := make([]model.Position, 0, n)
	var t, lon, lat, grid int64
	next := func() (int64, bool) {
		v, k := binary.Varint(b)
		if k <= 0 {
			return 0, false
		}
		b = b[k:]
		return v, true
	}
	for i := uint64(0); i < n; i++ {
		dt, ok1 := next()
		dlon, ok2 := next()
		dlat, ok3 := next()
		acc, k := binary.Uvarint(b)
		if !ok1 || !ok2 || !ok3 || k <= 0 {
			return nil, fmt.Errorf("%w: position %d", ErrCorrupt, i)
		}
		b = b[k:]
		dg, ok4 := next()
		if !ok4 {
			return nil, fmt.Errorf("%w: position %d", ErrCorrupt, i)
		}
		t, lon, lat, grid = t+dt, lon+dlon, lat+dlat, grid+dg
		out = append(out, model.Position{VolunteerID: volunteer, GridID: grid,
			Lon: float64(lon) / degree, Lat: float64(lat) / degree, Accuracy: float32(acc),
			At: time.Unix(0, t*int64(tick)).UTC()})
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the last position", ErrCorrupt, len(b))
	}
	return out, nil
}
