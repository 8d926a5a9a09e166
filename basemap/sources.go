package basemap

import (
	"fmt"
	"net/url"
)

// The base maps a page may draw, by id.
const (
	OSM      = "osm"      // OpenStreetMap (or the tile server --tiles names), online
	AMap     = "amap"     // AMap (高德) raster tiles, online, drawn in GCJ-02
	Tianditu = "tianditu" // 天地图 (CGCS2000, within a metre of WGS-84), online, needs a key
	Offline  = "offline"  // the local MBTiles file, served by this server
	None     = "none"     // a plain background, no tiles
)

// Datums the tiles of a source are drawn in. A page drawing a GCJ-02
// base map shifts its WGS-84 overlays onto it.
const (
	WGS84 = "wgs84"
	GCJ02 = "gcj02"
)

// DefaultAMapURL is AMap's public road-map tiles (style 8, Chinese labels).
const DefaultAMapURL = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"

// tiandituURL is the WMTS tile of one Tianditu layer in Web Mercator
// (TILEMATRIXSET=w); vec is the road map, cva its Chinese labels.
const tiandituURL = "https://t{s}.tianditu.gov.cn/%s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=%s&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=%s"

// Source is one base map a page may choose, as /api/config tells it.
type Source struct {
	ID          string      `json:"id"`
	Tiles       []string    `json:"tiles,omitempty"`      // URL templates ({z}/{x}/{y}, {s}), drawn bottom to top
	Subdomains  string      `json:"subdomains,omitempty"` // what {s} stands for, one character each
	Datum       string      `json:"datum"`                // wgs84 or gcj02
	Format      string      `json:"format,omitempty"`     // png, jpg, webp or pbf (offline only)
	MinZoom     int         `json:"min_zoom"`
	MaxZoom     int         `json:"max_zoom"` // the deepest zoom with tiles; the page magnifies beyond it
	Bounds      *[4]float64 `json:"bounds,omitempty"`
	Attribution string      `json:"attribution,omitempty"`
}

// Options are what a deployment configured: each empty field leaves its
// source out.
type Options struct {
	OSM, OSMAttribution string    // --tiles and --tile-attribution
	AMap                string    // --amap-tiles
	TiandituKey         string    // --tianditu-key
	Offline             *Metadata // the --mbtiles file's metadata
	OfflineURL          string    // where this server serves its tiles
}

// Sources lists the base maps a deployment offers, in the order a page
// shows them, and the one a page starts with when it names none: the
// offline file when there is one (an intranet must not reach out by
// default), else OpenStreetMap, else Tianditu, else none. A GCJ-02 source
// is never the default: it moves every overlay, so it is chosen on purpose.
func Sources(o Options) (list []Source, def string) {
	if m := o.Offline; m != nil {
		b := m.Bounds
		list = append(list, Source{ID: Offline, Tiles: []string{o.OfflineURL}, Datum: WGS84, Format: m.Format,
			MinZoom: m.MinZoom, MaxZoom: m.MaxZoom, Bounds: &b, Attribution: m.Attribution})
	}
	if o.OSM != "" {
		list = append(list, Source{ID: OSM, Tiles: []string{o.OSM}, Datum: WGS84, MaxZoom: 19, Attribution: o.OSMAttribution})
	}
	if o.AMap != "" {
		list = append(list, Source{ID: AMap, Tiles: []string{o.AMap}, Subdomains: "1234", Datum: GCJ02, MinZoom: 3, MaxZoom: 18,
			Attribution: "© 高德地图 AutoNavi"})
	}
	if k := o.TiandituKey; k != "" {
		key := url.QueryEscape(k)
		list = append(list, Source{ID: Tianditu, Subdomains: "01234567", Datum: WGS84, MinZoom: 1, MaxZoom: 18,
			Tiles:       []string{tianditu("vec", key), tianditu("cva", key)},
			Attribution: "© 天地图 Tianditu"})
	}
	list = append(list, Source{ID: None, Datum: WGS84, MaxZoom: 20})
	for _, s := range list {
		if s.Datum == WGS84 {
			return list, s.ID
		}
	}
	return list, None
}

func tianditu(layer, key string) string { return fmt.Sprintf(tiandituURL, layer, layer, key) }
