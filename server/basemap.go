package server

import (
	"bytes"
	"compress/gzip"
	"errors"
	"image"
	"image/png"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/basemap"
	"github.com/gridmap/gridmap/model"
)

// The offline base map (--mbtiles): its tiles at /basemap/{z}/{x}/{y} and
// its TileJSON at /basemap.json. Reading the file is basemap's; here are
// only the answers: the tile's bytes with validators, and for a tile the
// file does not hold an answer the browser does not count as a failure
// (204 for vector tiles, a transparent PNG for raster ones).

// offlineTiles is the URL template of the offline tiles on this server.
const offlineTiles = "/basemap/{z}/{x}/{y}"

// tileCache is how long a browser keeps a tile before asking again (with
// its ETag): the file changes only when the server restarts with another.
const tileCache = "private, max-age=86400"

func (s *Server) baseMapTile(w http.ResponseWriter, r *http.Request, _ *auth.Principal) {
	m, err := s.offlineMap()
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	z, x, y, err := tileAddress(r)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	tile, err := m.Find(r.Context(), z, x, y)
	if err != nil && !errors.Is(err, basemap.ErrNoTile) {
		s.respondError(w, r, err)
		return
	}
	s.writeTile(w, r, m.Metadata(), tile)
}

func (s *Server) baseMapJSON(w http.ResponseWriter, r *http.Request, _ *auth.Principal) {
	m, err := s.offlineMap()
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	s.ok(w, r, m.Metadata().TileJSON(s.origin(r)+offlineTiles))
}

// offlineMap is the --mbtiles file, or NotFound when the server has none.
func (s *Server) offlineMap() (*basemap.MBTiles, error) {
	if s.cfg.BaseMap == nil {
		return nil, &model.Error{Kind: model.NotFound, Code: model.CodeNoBaseMap, Msg: "no offline base map: start the server with --mbtiles FILE"}
	}
	return s.cfg.BaseMap, nil
}

// tileAddress parses z, x and y; y may carry the format's extension
// (12/3341/1626.png), as some clients add one.
func tileAddress(r *http.Request) (z, x, y int, err error) {
	yv, _, _ := strings.Cut(r.PathValue("y"), ".")
	out := [3]int{}
	for i, v := range []struct{ name, value string }{{"z", r.PathValue("z")}, {"x", r.PathValue("x")}, {"y", yv}} {
		n, err := strconv.Atoi(v.value)
		if err != nil || n < 0 || len(v.value) > 8 {
			return 0, 0, 0, badParam(v.name, "want a whole number from 0, got %q", clip(v.value))
		}
		out[i] = n
	}
	return out[0], out[1], out[2], nil
}

// writeTile answers with a tile, or with the empty answer of its format
// when tile is nil. A gzipped vector tile goes out as it is stored, with
// Content-Encoding: gzip, to clients that accept it, and unpacked to the
// rest.
func (s *Server) writeTile(w http.ResponseWriter, r *http.Request, md basemap.Metadata, tile []byte) {
	h := w.Header()
	h.Set("Cache-Control", tileCache)
	h.Set("X-Content-Type-Options", "nosniff")
	if tile == nil && md.Vector() {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	h.Set("Content-Type", md.ContentType())
	if tile == nil {
		tile = s.blankTile
		h.Set("Content-Type", "image/png")
	}
	etag := `"` + contentHash(tile)[:32] + `"`
	if basemap.Gzipped(tile) {
		h.Add("Vary", "Accept-Encoding")
		if accepts(r.Header.Get("Accept-Encoding"), "gzip") {
			h.Set("Content-Encoding", "gzip")
		} else if plain, err := gunzip(tile); err == nil {
			tile, etag = plain, `"`+contentHash(tile)[:32]+`-plain"`
		}
	}
	h.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(tile))
}

// origin is this server's scheme and host as the client reached it, for
// the absolute tile URL TileJSON wants.
func (s *Server) origin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || s.cfg.SecureCookies || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	return io.ReadAll(io.LimitReader(zr, 16<<20))
}

// blankPNG is a transparent 256-pixel tile: the answer for a raster tile
// the file does not hold, which the browser draws as nothing, quietly.
func blankPNG() []byte {
	var b bytes.Buffer
	png.Encode(&b, image.NewNRGBA(image.Rect(0, 0, 256, 256)))
	return b.Bytes()
}

// baseMaps are the base maps /api/config offers and the default.
func (s *Server) baseMaps() ([]basemap.Source, string) {
	o := basemap.Options{OSM: s.cfg.TileURL, OSMAttribution: s.cfg.TileAttribution, AMap: s.cfg.AMapURL,
		TiandituKey: s.cfg.TiandituKey, OfflineURL: offlineTiles}
	if s.cfg.BaseMap != nil {
		md := s.cfg.BaseMap.Metadata()
		o.Offline = &md
	}
	return basemap.Sources(o)
}
