package boundaryfile

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"

	"github.com/paulmach/orb"
)

// maxXMLDepth bounds element nesting. A KML Placemark's coordinates sit a
// dozen levels down even inside nested Folders; the bound keeps a file of
// nothing but open tags from growing the decoder's stack.
const maxXMLDepth = 100

// xmlSpace is XML's white space, which separates coordinate tuples.
const xmlSpace = " \t\r\n"

// kmlReader walks the tokens of a KML file. encoding/xml has no KML reader
// to lean on (go-geom only writes KML), and streaming the tokens lets the
// reader count Placemarks and vertices as it meets them.
type kmlReader struct {
	dec   *xml.Decoder
	b     *budget
	out   []Feature
	stack []string     // local names of the open elements
	pm    *placemark   // the Placemark being read, or nil
	text  bytes.Buffer // character data of the element being collected
	keep  bool         // whether character data is being collected
}

// placemark is the state of one Placemark being read.
type placemark struct {
	name   string // its <name>
	fields featureFields
	data   string // name attribute of the Data or SimpleData being read
	geom   orb.MultiPolygon
	inPoly bool
	holes  int  // innerBoundaryIs seen in the current Polygon
	inner  bool // the current boundary is an innerBoundaryIs
	rings  int  // rings read in the current boundary
}

// decodeKML reads every Placemark of a KML document.
func decodeKML(data []byte, b *budget) ([]Feature, error) {
	r := &kmlReader{dec: xml.NewDecoder(bytes.NewReader(data)), b: b}
	r.dec.Strict = true
	if err := r.read(); err != nil {
		var ie *InputError
		if errors.As(err, &ie) {
			return nil, err
		}
		return nil, &InputError{Feature: -1, Msg: "the file is not well-formed XML: " + clip(err.Error())}
	}
	if len(r.out) == 0 {
		return nil, &InputError{Feature: -1, Msg: "the file holds no Placemark"}
	}
	return r.out, nil
}

func (r *kmlReader) read() error {
	for {
		tok, err := r.dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			err = r.start(t)
		case xml.EndElement:
			err = r.end(t.Name.Local)
		case xml.CharData:
			if r.keep {
				r.text.Write(t)
			}
		case xml.Directive:
			err = &InputError{Feature: -1, Msg: "a KML file must not have a DOCTYPE or other directive"}
		}
		if err != nil {
			return err
		}
	}
}

func (r *kmlReader) start(t xml.StartElement) error {
	name := t.Name.Local
	if len(r.stack) == maxXMLDepth {
		return &InputError{Feature: -1, Msg: fmt.Sprintf("elements nest more than %d deep", maxXMLDepth)}
	}
	if len(r.stack) == 0 && name != "kml" {
		return &InputError{Feature: -1, Msg: "not a KML file: the root element is <" + clip(name) + ">, not <kml>"}
	}
	parent := ""
	if len(r.stack) > 0 {
		parent = r.stack[len(r.stack)-1]
	}
	r.stack = append(r.stack, name)
	if name == "Placemark" {
		return r.startPlacemark()
	}
	if r.pm == nil {
		return nil
	}
	return r.startInPlacemark(name, parent, t.Attr)
}

func (r *kmlReader) startPlacemark() error {
	if r.pm != nil {
		return r.fail("", "a Placemark must not hold another Placemark")
	}
	if err := r.b.feature(); err != nil {
		return err
	}
	r.pm = &placemark{}
	return nil
}

// startInPlacemark handles an element inside a Placemark.
func (r *kmlReader) startInPlacemark(name, parent string, attrs []xml.Attr) error {
	pm := r.pm
	switch name {
	case "name":
		r.collect(parent == "Placemark")
	case "Data", "SimpleData":
		pm.data = attr(attrs, "name")
		r.collect(name == "SimpleData")
	case "value":
		r.collect(parent == "Data")
	case "Polygon":
		if pm.inPoly {
			return r.fail(r.polyField(), "a Polygon must not hold another Polygon")
		}
		pm.inPoly, pm.holes = true, 0
		pm.geom = append(pm.geom, orb.Polygon{nil})
	case "outerBoundaryIs", "innerBoundaryIs":
		if parent != "Polygon" {
			return r.fail("", "<"+name+"> must sit in a Polygon")
		}
		if name == "outerBoundaryIs" && pm.geom[len(pm.geom)-1][0] != nil {
			return r.fail(r.polyField(), "a Polygon must have one outerBoundaryIs")
		}
		pm.inner, pm.rings = name == "innerBoundaryIs", 0
		if pm.inner {
			pm.holes++
		}
	case "LinearRing":
		if parent != "outerBoundaryIs" && parent != "innerBoundaryIs" {
			return r.fail("", "holds a LinearRing outside a Polygon; want Polygon boundaries")
		}
		if pm.rings++; pm.rings > 1 {
			return r.fail(r.ringField(), "a boundary must hold one LinearRing")
		}
	case "coordinates":
		r.collect(parent == "LinearRing")
	case "Point", "LineString", "Track", "MultiTrack", "Model":
		return r.fail("", "holds a "+name+"; want a Polygon or a MultiGeometry of Polygons")
	}
	return nil
}

func (r *kmlReader) end(name string) error {
	r.stack = r.stack[:len(r.stack)-1]
	pm := r.pm
	if pm == nil {
		return nil
	}
	text := r.text.String()
	r.collect(false)
	switch name {
	case "Placemark":
		return r.endPlacemark()
	case "name":
		if r.stack[len(r.stack)-1] == "Placemark" {
			pm.name = text
		}
	case "value", "SimpleData":
		pm.fields.set(pm.data, text)
	case "Data":
		pm.data = ""
	case "coordinates":
		if r.stack[len(r.stack)-1] == "LinearRing" {
			return r.ring(text)
		}
	case "outerBoundaryIs", "innerBoundaryIs":
		if !r.hasRing() {
			return r.fail(r.ringField(), "holds no LinearRing with coordinates")
		}
	case "Polygon":
		pm.inPoly = false
		if pm.geom[len(pm.geom)-1][0] == nil {
			return r.fail(r.polyField(), "Polygon has no outerBoundaryIs")
		}
	}
	return nil
}

func (r *kmlReader) endPlacemark() error {
	pm, i := r.pm, len(r.out)
	r.pm = nil
	if len(pm.geom) == 0 {
		return &InputError{Feature: i, Msg: "the Placemark holds no Polygon"}
	}
	if pm.fields.name == "" {
		pm.fields.name = pm.name
	}
	ft := Feature{Geometry: pm.geom}
	if err := pm.fields.apply(i, "ExtendedData.", &ft); err != nil {
		return err
	}
	r.out = append(r.out, ft)
	return nil
}

func (r *kmlReader) collect(on bool) {
	r.keep = on
	r.text.Reset()
}

func (r *kmlReader) fail(field, msg string) error {
	return &InputError{Feature: len(r.out), Field: field, Msg: msg}
}

// set records a Data or SimpleData value under its name.
func (ff *featureFields) set(name, value string) {
	switch name {
	case "id":
		ff.id, ff.hasID = value, true
	case "code":
		ff.code = value
	case "name":
		ff.name = value
	case "level":
		ff.level, ff.hasLevel = value, true
	}
}

func attr(attrs []xml.Attr, name string) string {
	for _, a := range attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}
