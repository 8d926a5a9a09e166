package planning

import (
	"context"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/gridmap/gridmap/geo"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/store"
)

// MaxNote is the length of a publication's note, in characters.
const MaxNote = 500

// invalid is an Invalid error naming the body field at fault.
func invalid(field, msg string) error {
	return &model.Error{Kind: model.Invalid, Field: field, Msg: field + ": " + msg}
}

// CheckNote checks a publication's note.
func CheckNote(note string) error {
	if utf8.RuneCountInString(note) > MaxNote {
		return invalid("note", "at most 500 characters")
	}
	return nil
}

// PublishInput is a planner's publication of a draft: the revision they
// reviewed, the warnings they accept, a note.
type PublishInput struct {
	Revision    *int     `json:"revision"`
	Acknowledge []string `json:"acknowledge"`
	Note        string   `json:"note"`
}

// Validate checks the revision is given and the note's length.
func (in *PublishInput) Validate() error {
	if in.Revision == nil {
		return invalid("revision", "required: the revision you reviewed")
	}
	return CheckNote(in.Note)
}

// RollbackInput is the note of a rollback.
type RollbackInput struct {
	Note string `json:"note"`
}

// Validate checks the note's length.
func (in *RollbackInput) Validate() error { return CheckNote(in.Note) }

// BoundaryInput is a new boundary for one grid, as GeoJSON.
type BoundaryInput struct {
	Geometry json.RawMessage `json:"geometry"`
	Note     string          `json:"note"`
}

// Redraw gives one grid the boundary of in at once (SetBoundary), after
// checking the input: a geometry is required and must pass
// geo.ParsePolygonal (Invalid on geometry.<path>), the note is bounded.
func (s *Service) Redraw(ctx context.Context, a store.Actor, gridID int64, in BoundaryInput) (store.Publication, error) {
	if len(in.Geometry) == 0 {
		return store.Publication{}, invalid("geometry", "required: a GeoJSON Polygon or MultiPolygon")
	}
	if err := CheckNote(in.Note); err != nil {
		return store.Publication{}, err
	}
	mp, err := geo.ParsePolygonal(in.Geometry, geo.DefaultLimits())
	if err != nil {
		return store.Publication{}, err
	}
	return s.SetBoundary(ctx, a, gridID, mp, in.Note)
}

// Compare compares two publications: the grids that changed between
// them. A publication that does not exist is NotFound naming its field.
func (s *Service) Compare(ctx context.Context, from, to int64) (*store.Comparison, error) {
	for _, f := range []struct {
		name string
		id   int64
	}{{"from", from}, {"to", to}} {
		ok, err := s.st.PublicationExists(ctx, f.id)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, &model.Error{Kind: model.NotFound, Field: f.name, Msg: f.name + ": no publication " + strconv.FormatInt(f.id, 10)}
		}
	}
	return s.st.ComparePublications(ctx, from, to)
}
