package server

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gridmap/gridmap/model"
	"github.com/paulmach/orb"
)

// badParam is an Invalid error naming the parameter or body field at
// fault.
func badParam(field, format string, args ...any) *model.Error {
	return &model.Error{Kind: model.Invalid, Field: field, Msg: field + ": " + fmt.Sprintf(format, args...)}
}

// query checks that q holds only the allowed parameters, each at most
// once, so a typo such as "levle" is an error rather than ignored. lang,
// the language of the answer (messages.go), is allowed everywhere.
func query(q url.Values, allowed ...string) error {
	for k, vs := range q {
		known := k == "lang"
		for _, a := range allowed {
			known = known || k == a
		}
		if !known {
			return badParam(k, "unknown parameter (allowed: %s)", strings.Join(allowed, ", "))
		}
		if len(vs) > 1 {
			return badParam(k, "given %d times, want once", len(vs))
		}
	}
	return nil
}

// parseID parses a positive 64-bit id; empty gives 0 when optional.
func parseID(field, v string, optional bool) (int64, error) {
	if v == "" && optional {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, badParam(field, "want a positive integer id, got %q", clip(v))
	}
	return id, nil
}

// parseLevel parses a grid level, 1 to 3; empty gives 0.
func parseLevel(v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	l, err := strconv.Atoi(v)
	if err != nil || l < 1 || l > 3 {
		return 0, badParam("level", "want 1 (subdistrict), 2 (community) or 3 (compound), got %q", clip(v))
	}
	return l, nil
}

// parseLimit parses a result cap between 1 and max; empty gives def.
func parseLimit(v string, def, max int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, badParam("limit", "want an integer from 1 to %d, got %q", max, clip(v))
	}
	return n, nil
}

// parseRange parses a whole number from lo to hi; empty gives def.
func parseRange(field, v string, def, lo, hi int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, badParam(field, "want %d to %d", lo, hi)
	}
	return n, nil
}

// parseBBox parses "minLon,minLat,maxLon,maxLat" in WGS84 degrees; empty
// gives nil.
func parseBBox(v string) (*orb.Bound, error) {
	if v == "" {
		return nil, nil
	}
	parts := strings.Split(v, ",")
	if len(parts) != 4 {
		return nil, badParam("bbox", "want minLon,minLat,maxLon,maxLat, got %d values", len(parts))
	}
	var f [4]float64
	for i, p := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, badParam("bbox", "value %d (%q) is not a number", i+1, clip(p))
		}
		f[i] = x
	}
	switch {
	case f[0] < -180 || f[2] > 180 || f[0] > 180 || f[2] < -180:
		return nil, badParam("bbox", "longitude out of range -180..180")
	case f[1] < -90 || f[3] > 90 || f[1] > 90 || f[3] < -90:
		return nil, badParam("bbox", "latitude out of range -90..90")
	case f[0] > f[2] || f[1] > f[3]:
		return nil, badParam("bbox", "min exceeds max: want minLon,minLat,maxLon,maxLat")
	}
	return &orb.Bound{Min: orb.Point{f[0], f[1]}, Max: orb.Point{f[2], f[3]}}, nil
}

// clip shortens echoed input so an error body never grows with it.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// parseAsOf parses an optional RFC 3339 time for boundaries as they were.
func parseAsOf(v string) (*time.Time, error) {
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil, badParam("asof", "want an RFC 3339 time such as 2026-12-01T08:00:00+08:00")
	}
	return &t, nil
}
