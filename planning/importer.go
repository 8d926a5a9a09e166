package planning

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridmap/gridmap/boundaryfile"
	"github.com/gridmap/gridmap/store"
)

// ImportReport says what was wrong with an imported file, what the repair
// changes (or would change), and how its features map onto the grids.
type ImportReport struct {
	Format   boundaryfile.Format `json:"format"`
	Features int                 `json:"features"`
	Matched  int                 `json:"matched"` // features that redraw an existing grid
	New      int                 `json:"new"`     // features that become new grids
	Repaired bool                `json:"repaired"`
	Problems []ImportProblem     `json:"problems"`
	Ignored  []ImportProblem     `json:"ignored"` // features left out, and why
}

// ImportProblem is one fault of one feature of the file.
type ImportProblem struct {
	Feature int    `json:"feature"`
	Code    string `json:"code"`
	Name    string `json:"name,omitempty"`
	Detail  string `json:"detail"`
	Repair  string `json:"repair,omitempty"`
}

// Import reads a GeoJSON or KML file of boundaries below root into a new
// draft (never a direct write): revision 0 is the subtree as it is,
// revision 1 the file laid over it. Features match grids by id, else by
// code; others become new grids under the grid whose code prefixes
// theirs. Grids the file does not mention keep their boundary. The
// report names every problem of the file and what a repair changes; with
// repair, the repairs are applied (PostGIS ST_MakeValid for crossing
// rings). Validation of the draft then says whether it can be published.
func (s *Service) Import(ctx context.Context, a store.Actor, rootID int64, f boundaryfile.Format, data []byte, repair bool) (*Draft, *ImportReport, error) {
	fs, err := boundaryfile.Decode(f, data, boundaryfile.DefaultLimits())
	var ie *boundaryfile.InputError
	if errors.As(err, &ie) {
		return nil, nil, inputErr("file", "%s", ie.Error())
	}
	if err != nil {
		return nil, nil, err
	}
	for i, f := range fs {
		if strings.ContainsRune(f.Name, 0) || strings.ContainsRune(f.Code, 0) {
			return nil, nil, inputErr("file", "feature %d: a NUL character in its name or code", i)
		}
	}
	root, err := s.st.Grid(ctx, rootID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, inputErr("root", "no current grid has this id")
	}
	if err != nil {
		return nil, nil, err
	}
	if root.Level >= 3 {
		return nil, nil, inputErr("root", "import into a community or a subdistrict")
	}
	cur, err := s.st.SubtreePlan(ctx, rootID)
	if err != nil {
		return nil, nil, err
	}
	ref := make([]orb.MultiPolygon, len(cur.Grids))
	for i, g := range cur.Grids {
		ref[i] = g.Geometry
	}
	rep := &ImportReport{Format: f, Features: len(fs), Repaired: repair, Problems: []ImportProblem{}, Ignored: []ImportProblem{}}
	probs := boundaryfile.Check(fs, ref)
	if repair {
		fs = boundaryfile.Repair(fs, probs)
	}
	for _, p := range probs {
		ip := ImportProblem{Feature: p.Feature, Code: p.Code, Name: fs[p.Feature].Name, Detail: p.Detail, Repair: p.Repair}
		if p.Code == boundaryfile.CodeSelfIntersection {
			fixed, area, parts, err := s.st.RepairPolygon(ctx, fs[p.Feature].Geometry)
			if err != nil && !errors.Is(err, store.ErrNoChange) {
				return nil, nil, err
			}
			if err == nil {
				ip.Repair = fmt.Sprintf("PostGIS ST_MakeValid: %d part(s), %.0f m² in all", parts, area)
				if repair {
					fs[p.Feature].Geometry = fixed
				}
			}
		}
		rep.Problems = append(rep.Problems, ip)
	}
	st := stateOf(cur)
	base, err := json.Marshal(st)
	if err != nil {
		return nil, nil, err
	}
	st = overlay(st, rootInfo{ID: rootID, Level: root.Level, Code: root.Code}, fs, rep)
	next, err := json.Marshal(st)
	if err != nil {
		return nil, nil, err
	}
	pub, err := s.st.LastPublication(ctx)
	if err != nil {
		return nil, nil, err
	}
	name := fmt.Sprintf("导入 %s %s", root.Name, s.now().In(s.loc).Format(time.DateTime))
	id, err := s.st.CreateDraft(ctx, a, rootID, clipName(name, ""), pub, base)
	if err != nil {
		return nil, nil, err
	}
	if err := s.st.SaveRevision(ctx, id, 0, "import", next); err != nil {
		return nil, nil, err
	}
	d, err := s.Get(ctx, a, id)
	return d, rep, err
}

// overlay lays the file's features over a copy of a draft state.
func overlay(st State, root rootInfo, fs []boundaryfile.Feature, rep *ImportReport) State {
	st = st.clone()
	byCode := map[string]int{}
	for i, g := range st.Grids {
		byCode[g.Code] = i
	}
	ignore := func(i int, f boundaryfile.Feature, why string) {
		rep.Ignored = append(rep.Ignored, ImportProblem{Feature: i, Code: "ignored", Name: f.Name, Detail: why})
	}
	// Parents first, so a new compound grid finds a new community.
	order := make([]int, 0, len(fs))
	for level := 0; level <= 3; level++ {
		for i, f := range fs {
			if f.Level == level {
				order = append(order, i)
			}
		}
	}
	for _, i := range order {
		f := fs[i]
		k := -1
		if f.ID > 0 {
			k = st.index(f.ID)
		}
		if k < 0 && f.Code != "" {
			if j, ok := byCode[f.Code]; ok {
				k = j
			}
		}
		switch {
		case f.Code == root.Code || f.ID == root.ID:
			ignore(i, f, "the draft's root keeps its boundary")
		case k >= 0:
			st.Grids[k].Geometry = f.Geometry
			if f.Name != "" {
				st.Grids[k].Name = f.Name
			}
			rep.Matched++
		case f.Level <= root.Level || f.Level > 3:
			ignore(i, f, "code "+strconv.Quote(f.Code)+" is not the code of a grid below the root")
		default:
			parent, ok := parentByCode(st, root, f.Code)
			if !ok {
				ignore(i, f, "no grid of the draft has a code that starts code "+strconv.Quote(f.Code))
				continue
			}
			name := f.Name
			if checkName("name", name) != nil {
				name = f.Code
			}
			st.Grids = append(st.Grids, GridState{ID: st.newID(), ParentID: parent, Level: f.Level, Code: f.Code,
				Name: name, Geometry: f.Geometry})
			byCode[f.Code] = len(st.Grids) - 1
			rep.New++
		}
	}
	return st
}

// parentByCode finds the grid one level up whose code prefixes code.
func parentByCode(st State, root rootInfo, code string) (int64, bool) {
	want := 9
	if len(code) == 14 {
		want = 12
	}
	if len(code) < want {
		return 0, false
	}
	prefix := code[:want]
	if root.Code == prefix {
		return root.ID, true
	}
	for _, g := range st.Grids {
		if g.Code == prefix {
			return g.ID, true
		}
	}
	return 0, false
}

// Export writes grid root and every grid below it, now or as they were
// at asof, as a GeoJSON or KML file.
func (s *Service) Export(ctx context.Context, rootID int64, asof *time.Time, f boundaryfile.Format) ([]byte, error) {
	gs, err := s.st.BoundaryGrids(ctx, rootID, asof)
	if err != nil {
		return nil, err
	}
	fs := make([]boundaryfile.Feature, len(gs))
	for i, g := range gs {
		fs[i] = boundaryfile.Feature{ID: g.ID, Code: g.Code, Name: g.Name, Level: g.Level, Geometry: g.Geometry}
	}
	return boundaryfile.Encode(f, fs)
}
