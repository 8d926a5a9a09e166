package boundaryfile

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// box returns the closed counter-clockwise ring around a box, starting at
// its south-west corner.
func box(w, s, e, n float64) orb.Ring {
	return orb.Ring{{w, s}, {e, s}, {e, n}, {w, n}, {w, s}}
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		format Format
		data   []byte
		want   []Feature
	}{
		{
			name:   "GeoJSON FeatureCollection",
			format: GeoJSON,
			data:   readFile(t, "grids.geojson"),
			want: []Feature{
				{ID: 9, Code: "41010200200101", Name: "桐柏路61号院", Level: 3, Geometry: orb.MultiPolygon{{
					box(113.65, 34.75, 113.654, 34.753),
					{{113.651, 34.751}, {113.651, 34.752}, {113.652, 34.752}, {113.652, 34.751}, {113.651, 34.751}},
				}}},
				// No id: 0. No level: 2 from the 12-digit code. Altitude dropped.
				{Code: "410102002002", Name: "协作路社区", Level: 2, Geometry: orb.MultiPolygon{
					{box(113.66, 34.75, 113.665, 34.754)},
					{{{113.67, 34.75}, {113.672, 34.75}, {113.672, 34.752}, {113.67, 34.75}}},
				}},
				// id and level as strings, code as a number.
				{ID: 17, Code: "410102002", Name: "建设路街道", Level: 1, Geometry: orb.MultiPolygon{
					{box(113.64, 34.74, 113.68, 34.76)},
				}},
			},
		},
		{
			name:   "KML MultiGeometry and a hole",
			format: KML,
			data:   readFile(t, "two_placemarks.kml"),
			want: []Feature{
				{ID: 9, Code: "41010200200101", Name: "桐柏路61号院", Level: 3, Geometry: orb.MultiPolygon{
					{box(113.65, 34.75, 113.654, 34.753)},
					{box(113.656, 34.75, 113.658, 34.752)},
				}},
				{Code: "410102002002", Name: "协作路社区 & 南院", Level: 2, Geometry: orb.MultiPolygon{{
					box(113.66, 34.75, 113.665, 34.754),
					{{113.661, 34.751}, {113.661, 34.752}, {113.662, 34.752}, {113.662, 34.751}, {113.661, 34.751}},
				}}},
			},
		},
		{
			name:   "GeoJSON bare Polygon",
			format: GeoJSON,
			data:   []byte(`{"type":"Polygon","coordinates":[[[113.6,34.7],[113.7,34.7],[113.7,34.8],[113.6,34.7]]]}`),
			want:   []Feature{{Geometry: orb.MultiPolygon{{{{113.6, 34.7}, {113.7, 34.7}, {113.7, 34.8}, {113.6, 34.7}}}}}},
		},
		{
			name:   "GeoJSON single Feature, unclosed ring kept as written",
			format: GeoJSON,
			data:   []byte("\xef\xbb\xbf" + `{"type":"Feature","properties":{"code":"41010200200102","level":null},"geometry":{"type":"Polygon","coordinates":[[[113.6,34.7],[113.7,34.7],[113.7,34.8]]]}}`),
			want:   []Feature{{Code: "41010200200102", Level: 3, Geometry: orb.MultiPolygon{{{{113.6, 34.7}, {113.7, 34.7}, {113.7, 34.8}}}}}},
		},
		{
			name:   "KML unclosed ring kept as written, name from the Placemark",
			format: KML,
			data:   []byte(`<kml><Placemark><name> 北院 </name><Polygon><outerBoundaryIs><LinearRing><coordinates>113.6,34.7 113.7,34.7 113.7,34.8</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></kml>`),
			want:   []Feature{{Name: "北院", Geometry: orb.MultiPolygon{{{{113.6, 34.7}, {113.7, 34.7}, {113.7, 34.8}}}}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode(tt.format, tt.data, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// polygonJSON is a Feature whose ring has n positions, for limit tests.
func polygonJSON(n int) string {
	var sb strings.Builder
	sb.WriteString(`{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[`)
	for k := range n {
		if k > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`[113.6,34.7]`)
	}
	sb.WriteString(`]]}}`)
	return sb.String()
}

// polygonKML is a Placemark whose ring has n positions, for limit tests.
func polygonKML(n int) string {
	return `<Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>` +
		strings.Repeat("113.6,34.7 ", n) + `</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>`
}

func TestDecodeRefuses(t *testing.T) {
	t.Parallel()
	const ring = `[[113.6,34.7],[113.7,34.7],[113.7,34.8],[113.6,34.7]]`
	small := Limits{MaxFeatures: 2, MaxVertices: 10}
	tests := []struct {
		name    string
		format  Format
		data    string
		lim     Limits
		feature int
		field   string
		msg     string // a part of the message
	}{
		{"not JSON", GeoJSON, `{"type":`, Limits{}, -1, "", "not valid JSON"},
		{"JSON array", GeoJSON, `[1]`, Limits{}, -1, "", "must be a JSON object, not an array"},
		{"Point geometry", GeoJSON, `{"type":"Point","coordinates":[113.6,34.7]}`, Limits{}, -1, "type", `"Point"; want Polygon or MultiPolygon`},
		{"LineString feature", GeoJSON, `{"type":"FeatureCollection","features":[{"type":"Feature","properties":null,"geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]}}]}`, Limits{}, 0, "geometry.type", "want Polygon or MultiPolygon"},
		{"null geometry", GeoJSON, `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":null}]}`, Limits{}, 0, "geometry", "missing or null"},
		{"no features", GeoJSON, `{"type":"FeatureCollection","features":[]}`, Limits{}, -1, "features", "at least one feature"},
		{"coordinate a string", GeoJSON, `{"type":"Polygon","coordinates":[[[113.6,"34.7"],[113.7,34.7],[113.7,34.8],[113.6,34.7]]]}`, Limits{}, 0, "coordinates[0][0][1]", "must be a number"},
		{"coordinate null", GeoJSON, `{"type":"Polygon","coordinates":[[[113.6,null],[113.7,34.7],[113.7,34.8],[113.6,34.7]]]}`, Limits{}, 0, "coordinates[0][0][1]", "must be a number"},
		{"position of one number", GeoJSON, `{"type":"MultiPolygon","coordinates":[[[[113.6,34.7],[113.7],[113.7,34.8],[113.6,34.7]]]]}`, Limits{}, 0, "coordinates[0][0][1]", "holds 1 numbers"},
		{"polygon nested too shallow", GeoJSON, `{"type":"MultiPolygon","coordinates":[` + ring + `]}`, Limits{}, 0, "coordinates[0][0][0]", "must be an array, not a number"},
		{"empty ring", GeoJSON, `{"type":"Polygon","coordinates":[[]]}`, Limits{}, 0, "coordinates[0]", "must not be empty"},
		{"number too big", GeoJSON, `{"type":"Polygon","coordinates":[[[1e400,34.7],[113.7,34.7],[113.7,34.8],[113.6,34.7]]]}`, Limits{}, 0, "coordinates", "too large to be a coordinate"},
		{"longitude out of range", GeoJSON, `{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[181,34.7],[113.7,34.7],[113.7,34.8],[181,34.7]]]}}`, Limits{}, 0, "geometry.coordinates[0][0]", "longitude 181 is outside"},
		{"latitude out of range", GeoJSON, `{"type":"MultiPolygon","coordinates":[[[[113.6,34.7],[113.7,-90.5],[113.7,34.8],[113.6,34.7]]]]}`, Limits{}, 0, "coordinates[0][0][1]", "latitude -90.5 is outside"},
		{"level not a number", GeoJSON, `{"type":"Feature","properties":{"level":"three"},"geometry":{"type":"Polygon","coordinates":[` + ring + `]}}`, Limits{}, 0, "properties.level", "must be a level"},
		{"code an object", GeoJSON, `{"type":"Feature","properties":{"code":{}},"geometry":{"type":"Polygon","coordinates":[` + ring + `]}}`, Limits{}, 0, "properties.code", "a string or a number"},
		{"too many vertices, GeoJSON", GeoJSON, polygonJSON(11), small, 0, "geometry.coordinates[0][10]", "MaxVertices"},
		{"too many features, GeoJSON", GeoJSON, `{"type":"FeatureCollection","features":[` + strings.Repeat(polygonJSON(3)+",", 2) + polygonJSON(3) + `]}`, small, 2, "", "MaxFeatures"},
		{"too many bytes", GeoJSON, polygonJSON(4), Limits{MaxBytes: 50}, -1, "", "MaxBytes"},
		{"not XML", KML, `<kml><Placemark>`, Limits{}, -1, "", "not well-formed XML"},
		{"not KML", KML, `<gpx></gpx>`, Limits{}, -1, "", "root element is <gpx>"},
		{"no Placemark", KML, `<kml><Document/></kml>`, Limits{}, -1, "", "no Placemark"},
		{"entity expansion", KML, `<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]><kml>&b;</kml>`, Limits{}, -1, "", "DOCTYPE"},
		{"undeclared entity", KML, `<kml><Placemark><name>&a;</name></Placemark></kml>`, Limits{}, -1, "", "not well-formed XML"},
		{"deep nesting", KML, "<kml>" + strings.Repeat("<Folder>", 200), Limits{}, -1, "", "nest more than 100 deep"},
		{"KML Point", KML, `<kml><Placemark><Point><coordinates>113.6,34.7</coordinates></Point></Placemark></kml>`, Limits{}, 0, "", "holds a Point"},
		{"KML coordinate not a number", KML, `<kml><Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>113.6,34.7 113.7,north</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></kml>`, Limits{}, 0, "Polygon[0].outerBoundaryIs.coordinates[1]", `"north" is not a number`},
		{"KML tuple with a space", KML, `<kml><Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>113.6, 34.7</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></kml>`, Limits{}, 0, "Polygon[0].outerBoundaryIs.coordinates[0]", "want lon,lat"},
		{"KML latitude out of range", KML, `<kml><Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>113.6,34.7</coordinates></LinearRing></outerBoundaryIs><innerBoundaryIs><LinearRing><coordinates>113.6,34.7 113.6,NaN</coordinates></LinearRing></innerBoundaryIs></Polygon></Placemark></kml>`, Limits{}, 0, "Polygon[0].innerBoundaryIs[0].coordinates[1]", "finite"},
		{"KML hole without exterior", KML, `<kml><Placemark><Polygon><innerBoundaryIs><LinearRing><coordinates>113.6,34.7</coordinates></LinearRing></innerBoundaryIs></Polygon></Placemark></kml>`, Limits{}, 0, "Polygon[0]", "no outerBoundaryIs"},
		{"KML empty coordinates", KML, `<kml><Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates> </coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></kml>`, Limits{}, 0, "Polygon[0].outerBoundaryIs.coordinates", "is empty"},
		{"KML id not a number", KML, `<kml><Placemark><ExtendedData><Data name="id"><value>x9</value></Data></ExtendedData>` + polygonKML(4)[len("<Placemark>"):] + `</kml>`, Limits{}, 0, "ExtendedData.id", "must be a grid id"},
		{"too many vertices, KML", KML, `<kml><Document>` + polygonKML(4) + polygonKML(7) + `</Document></kml>`, small, 1, "Polygon[0].outerBoundaryIs.coordinates[6]", "MaxVertices"},
		{"too many features, KML", KML, `<kml>` + strings.Repeat(polygonKML(1), 3) + `</kml>`, small, 2, "", "MaxFeatures"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := Decode(tt.format, []byte(tt.data), tt.lim)
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("got %v, %v; want an *InputError", fs, err)
			}
			if ie.Feature != tt.feature || ie.Field != tt.field || !strings.Contains(ie.Msg, tt.msg) {
				t.Errorf("got %#v\nwant feature %d, field %q, message with %q", ie, tt.feature, tt.field, tt.msg)
			}
		})
	}
}

func TestDecodeUnknownFormat(t *testing.T) {
	t.Parallel()
	if _, err := Decode("shp", []byte("x"), Limits{}); err == nil {
		t.Error("Decode accepted format shp")
	}
}
