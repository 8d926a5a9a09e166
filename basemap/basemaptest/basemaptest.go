// Package basemaptest writes small MBTiles files for tests.
package basemaptest

import (
	"bytes"
	"database/sql"
	"fmt"
	"image"
	"image/color"
	"image/png"

	_ "modernc.org/sqlite"
)

// Tile is one tile in the XYZ scheme (y down from the north).
type Tile struct {
	Z, X, Y int
	Data    []byte
}

// Write makes an MBTiles file at path with the metadata and tiles given;
// rows are stored in the TMS scheme as the specification says.
func Write(path string, metadata map[string]string, tiles []Tile) error {
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, q := range []string{
		`CREATE TABLE metadata (name text, value text)`,
		`CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer, tile_data blob)`,
		`CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row)`,
	} {
		if _, err := db.Exec(q); err != nil {
			return fmt.Errorf("basemaptest: %w", err)
		}
	}
	for k, v := range metadata {
		if _, err := db.Exec(`INSERT INTO metadata VALUES (?, ?)`, k, v); err != nil {
			return fmt.Errorf("basemaptest: %w", err)
		}
	}
	for _, t := range tiles {
		row := (1 << t.Z) - 1 - t.Y
		if _, err := db.Exec(`INSERT INTO tiles VALUES (?, ?, ?, ?)`, t.Z, t.X, row, t.Data); err != nil {
			return fmt.Errorf("basemaptest: %w", err)
		}
	}
	return nil
}

// PNG returns a 256-pixel square tile of one colour.
func PNG(c color.Color) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 256, 256))
	for y := 0; y < 256; y++ {
		for x := 0; x < 256; x++ {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}
