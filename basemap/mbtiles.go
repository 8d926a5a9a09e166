// Package basemap reads an offline base map from an MBTiles file (the
// SQLite tile container of the MBTiles 1.3 specification), so a command
// centre on an intranet draws its map with no request leaving the LAN.
// It holds no HTTP: the server asks it for metadata and tiles.
package basemap

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	_ "modernc.org/sqlite" // pure-Go SQLite: no cgo in the build
)

// ErrNoTile is returned for a tile the file does not hold.
var ErrNoTile = errors.New("basemap: no such tile")

// Formats an MBTiles file may hold.
const (
	PNG  = "png"
	JPG  = "jpg"
	WebP = "webp"
	PBF  = "pbf" // Mapbox vector tiles, usually gzip-compressed
)

// Metadata is what the file says about itself (its metadata table).
type Metadata struct {
	Name        string
	Format      string     // png, jpg, webp or pbf
	MinZoom     int        // from the metadata, or from the tiles when it is missing
	MaxZoom     int        //
	Bounds      [4]float64 // west, south, east, north in WGS-84; whole world when missing
	Center      [3]float64 // lon, lat, zoom; zero when missing
	Attribution string
	JSON        string // for vector tiles, the vector_layers document; empty otherwise
}

// Vector reports whether the tiles are vector tiles.
func (m Metadata) Vector() bool { return m.Format == PBF }

// ContentType is the media type of one tile.
func (m Metadata) ContentType() string {
	switch m.Format {
	case PNG:
		return "image/png"
	case JPG:
		return "image/jpeg"
	case WebP:
		return "image/webp"
	default:
		return "application/vnd.mapbox-vector-tile"
	}
}

// MBTiles is an open, read-only MBTiles file. It is safe for concurrent use.
type MBTiles struct {
	db   *sql.DB
	meta Metadata
	tile *sql.Stmt
}

// Open opens path read-only and reads its metadata. The file must exist
// and hold the tiles and metadata tables (or views) of the specification.
func Open(ctx context.Context, path string) (*MBTiles, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("basemap: %w", err)
	}
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?mode=ro&_pragma=query_only(1)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("basemap: open %s: %w", path, err)
	}
	m := &MBTiles{db: db}
	if err := m.load(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("basemap: %s: %w", path, err)
	}
	return m, nil
}

func (m *MBTiles) load(ctx context.Context) error {
	rows, err := m.db.QueryContext(ctx, `SELECT name, value FROM metadata`)
	if err != nil {
		return fmt.Errorf("not an MBTiles file (metadata): %w", err)
	}
	kv := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			rows.Close()
			return err
		}
		kv[k] = v
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	md, err := parseMetadata(kv)
	if err != nil {
		return err
	}
	if kv["minzoom"] == "" || kv["maxzoom"] == "" {
		var lo, hi sql.NullInt64
		if err := m.db.QueryRowContext(ctx, `SELECT min(zoom_level), max(zoom_level) FROM tiles`).Scan(&lo, &hi); err != nil {
			return fmt.Errorf("not an MBTiles file (tiles): %w", err)
		}
		if !lo.Valid {
			return errors.New("the file holds no tiles")
		}
		if kv["minzoom"] == "" {
			md.MinZoom = int(lo.Int64)
		}
		if kv["maxzoom"] == "" {
			md.MaxZoom = int(hi.Int64)
		}
	}
	if md.Format == "" {
		var data []byte
		if err := m.db.QueryRowContext(ctx, `SELECT tile_data FROM tiles LIMIT 1`).Scan(&data); err != nil {
			return fmt.Errorf("not an MBTiles file (tiles): %w", err)
		}
		md.Format = sniff(data)
	}
	m.meta = md
	m.tile, err = m.db.PrepareContext(ctx, `SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?`)
	if err != nil {
		return fmt.Errorf("not an MBTiles file (tiles): %w", err)
	}
	return nil
}

// parseMetadata reads the metadata table's values, checking what it uses.
func parseMetadata(kv map[string]string) (Metadata, error) {
	md := Metadata{
		Name:        kv["name"],
		Format:      strings.ToLower(kv["format"]),
		Attribution: kv["attribution"],
		Bounds:      [4]float64{-180, -85.0511, 180, 85.0511},
		JSON:        kv["json"],
	}
	if md.Format == "jpeg" {
		md.Format = JPG
	}
	switch md.Format {
	case "", PNG, JPG, WebP, PBF:
	default:
		return md, fmt.Errorf("metadata format %q: want png, jpg, webp or pbf", md.Format)
	}
	var err error
	for _, z := range []struct {
		key string
		to  *int
	}{{"minzoom", &md.MinZoom}, {"maxzoom", &md.MaxZoom}} {
		if v := kv[z.key]; v != "" {
			if *z.to, err = strconv.Atoi(strings.TrimSpace(v)); err != nil || *z.to < 0 || *z.to > 24 {
				return md, fmt.Errorf("metadata %s %q: want 0 to 24", z.key, v)
			}
		}
	}
	if v := kv["bounds"]; v != "" {
		b, err := floats(v, 4)
		if err != nil || b[0] >= b[2] || b[1] >= b[3] || b[0] < -180 || b[2] > 180 || b[1] < -90 || b[3] > 90 {
			return md, fmt.Errorf("metadata bounds %q: want west,south,east,north", v)
		}
		copy(md.Bounds[:], b)
	}
	if v := kv["center"]; v != "" {
		c, err := floats(v, 3)
		if err != nil {
			return md, fmt.Errorf("metadata center %q: want lon,lat,zoom", v)
		}
		copy(md.Center[:], c)
	}
	return md, nil
}

func floats(s string, n int) ([]float64, error) {
	parts := strings.Split(s, ",")
	if len(parts) != n {
		return nil, fmt.Errorf("want %d numbers", n)
	}
	out := make([]float64, n)
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// sniff guesses the format of a tile from its first bytes.
func sniff(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG")):
		return PNG
	case bytes.HasPrefix(b, []byte("\xff\xd8")):
		return JPG
	case len(b) > 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return WebP
	default:
		return PBF
	}
}

// Gzipped reports whether a tile's bytes are gzip-compressed (vector
// tiles in MBTiles usually are): the server then sends them with
// Content-Encoding: gzip.
func Gzipped(b []byte) bool { return len(b) > 2 && b[0] == 0x1f && b[1] == 0x8b }

// Metadata returns what the file says about itself.
func (m *MBTiles) Metadata() Metadata { return m.meta }

// Tile returns the tile at z/x/y in the XYZ scheme web maps use (y down
// from the north); the file stores TMS rows (up from the south).
func (m *MBTiles) Tile(ctx context.Context, z, x, y int) ([]byte, error) {
	if z < 0 || z > 24 {
		return nil, ErrNoTile
	}
	n := 1 << z
	if x < 0 || y < 0 || x >= n || y >= n {
		return nil, ErrNoTile
	}
	var data []byte
	err := m.tile.QueryRowContext(ctx, z, x, n-1-y).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoTile
	}
	if err != nil {
		return nil, fmt.Errorf("basemap: tile %d/%d/%d: %w", z, x, y, err)
	}
	return data, nil
}

// Close closes the file.
func (m *MBTiles) Close() error {
	if m.tile != nil {
		m.tile.Close()
	}
	return m.db.Close()
}

// Find is Tile for a web map's request: ErrNoTile, without reading the
// file, for a tile outside the file's zooms and bounds (Metadata.Covers).
func (m *MBTiles) Find(ctx context.Context, z, x, y int) ([]byte, error) {
	if !m.meta.Covers(z, x, y) {
		return nil, ErrNoTile
	}
	return m.Tile(ctx, z, x, y)
}
