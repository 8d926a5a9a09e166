package boundaryfile

import (
	"fmt"
	"strconv"
	"strings"
)

// coordScanner checks the coordinates member of a GeoJSON Polygon
// (depth 3: rings, positions, numbers) or MultiPolygon (depth 4) before it
// is decoded: every array nests exactly depth deep, every position holds 2
// or 3 numbers and nothing else (encoding/json would read null, or a
// missing latitude, as 0), and no level is empty. It counts the positions
// against the vertex limit as it goes.
//
// The bytes are already known to be one valid JSON value, so the scanner
// only tells brackets, commas and numbers apart; anything else (a string,
// true, false, null or an object) is refused where it starts.
type coordScanner struct {
	data    []byte
	pos     int
	depth   int
	feature int
	field   string // "geometry.coordinates"
	b       *budget
	index   []int // the index of the current element at each open level
	nums    int   // numbers in the position being read
}

func (s *coordScanner) scan() error {
	if s.skipSpace(); s.pos >= len(s.data) || s.data[s.pos] != '[' {
		return s.fail("must be an array")
	}
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			s.pos++
		case c == '[':
			if err := s.open(); err != nil {
				return err
			}
		case c == ']':
			if err := s.close(); err != nil {
				return err
			}
		case c == ',':
			s.index[len(s.index)-1]++
			s.pos++
		case c == '-' || c >= '0' && c <= '9':
			if len(s.index) != s.depth {
				return s.fail("must be an array, not a number")
			}
			s.nums++
			for s.pos < len(s.data) && strings.IndexByte("+-.0123456789eE", s.data[s.pos]) >= 0 {
				s.pos++
			}
		default:
			if len(s.index) == s.depth {
				return s.fail("must be a number")
			}
			return s.fail("must be an array")
		}
	}
	return nil
}

func (s *coordScanner) open() error {
	if len(s.index) == s.depth {
		return s.fail("must be a number, not an array: a position is [longitude, latitude]")
	}
	s.index = append(s.index, 0)
	s.nums = 0
	s.pos++
	return nil
}

func (s *coordScanner) close() error {
	position := len(s.index) == s.depth
	empty := s.empty()
	s.index = s.index[:len(s.index)-1] // from here, path names the array closed
	switch {
	case position && (s.nums < 2 || s.nums > 3):
		return s.fail(fmt.Sprintf("position holds %d numbers; want 2 or 3 (longitude, latitude[, altitude])", s.nums))
	case position && !s.b.vertex():
		return s.b.tooManyVertices(s.feature, s.path())
	case !position && empty:
		return s.fail("must not be empty")
	}
	s.pos++
	if len(s.index) == 0 {
		if s.skipSpace(); s.pos != len(s.data) {
			return s.fail("has unexpected data after the array")
		}
	}
	return nil
}

// empty reports whether the array being closed, above the positions, has
// no element: the byte before its ']' (spaces aside) is its '['.
func (s *coordScanner) empty() bool {
	k := s.pos - 1
	for k >= 0 && strings.IndexByte(" \t\n\r", s.data[k]) >= 0 {
		k--
	}
	return k >= 0 && s.data[k] == '['
}

func (s *coordScanner) skipSpace() {
	for s.pos < len(s.data) && strings.IndexByte(" \t\n\r", s.data[s.pos]) >= 0 {
		s.pos++
	}
}

// path is the field of the element being read, e.g.
// "geometry.coordinates[0][2]".
func (s *coordScanner) path() string {
	var sb strings.Builder
	sb.WriteString(s.field)
	for _, k := range s.index {
		sb.WriteByte('[')
		sb.WriteString(strconv.Itoa(k))
		sb.WriteByte(']')
	}
	return sb.String()
}

func (s *coordScanner) fail(msg string) error {
	return &InputError{Feature: s.feature, Field: s.path(), Msg: msg}
}
