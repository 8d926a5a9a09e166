package server

import (
	"encoding/json"
	"strconv"

	"github.com/paulmach/orb"

	"github.com/gridmap/gridmap/planning"
)

// opRequest is one edit of a draft as sent (docs/PLAN.md).
type opRequest struct {
	Op       string          `json:"op"`
	Revision *int            `json:"revision"`
	Grids    []shapeRequest  `json:"grids"`
	From     *[2]float64     `json:"from"`
	To       *[2]float64     `json:"to"`
	ID       int64           `json:"id"`
	IDs      []int64         `json:"ids"`
	ParentID int64           `json:"parent_id"`
	Geometry json.RawMessage `json:"geometry"`
	Line     json.RawMessage `json:"line"`
	Name     *string         `json:"name"`
	Code     *string         `json:"code"`
	LeaderID json.RawMessage `json:"leader_id"`
}

type shapeRequest struct {
	ID       int64           `json:"id"`
	Geometry json.RawMessage `json:"geometry"`
}

// op checks the fields the edit needs and turns them into a planning.Op.
func (req opRequest) op() (planning.Op, error) {
	op := planning.Op{Kind: req.Op, ID: req.ID, IDs: req.IDs, ParentID: req.ParentID, Name: req.Name, Code: req.Code}
	if req.Revision == nil {
		return op, badParam("revision", "required: the revision you edited")
	}
	op.Revision = *req.Revision
	var err error
	switch req.Op {
	case "reshape":
		if len(req.Grids) == 0 || len(req.Grids) > 100 {
			return op, badParam("grids", "want 1 to 100 grids")
		}
		for i, g := range req.Grids {
			mp, err := planning.ParseBoundary("grids["+strconv.Itoa(i)+"].geometry", g.Geometry)
			if err != nil {
				return op, err
			}
			op.Shapes = append(op.Shapes, planning.Shape{ID: g.ID, Geometry: mp})
		}
	case "move_vertex":
		if req.From == nil || req.To == nil {
			return op, badParam("from", "from and to are required: [lon, lat]")
		}
		op.From, op.To = orb.Point(*req.From), orb.Point(*req.To)
	case "add":
		op.Geometry, err = planning.ParseBoundary("geometry", req.Geometry)
	case "split":
		op.Line, err = planning.ParseLine("line", req.Line)
	case "merge", "delete":
	case "update":
		if len(req.LeaderID) > 0 {
			op.SetLeader = true
			if string(req.LeaderID) != "null" {
				var id int64
				if json.Unmarshal(req.LeaderID, &id) != nil || id <= 0 {
					return op, badParam("leader_id", "want a person's id or null")
				}
				op.LeaderID = &id
			}
		}
	default:
		return op, badParam("op", "want reshape, move_vertex, add, split, merge, delete or update")
	}
	return op, err
}
