package server

import (
	"errors"
	"strings"
	"testing"

	"github.com/gridmap/gridmap/accounts"
	"github.com/gridmap/gridmap/field"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/planning"
)

// FuzzDecodeRequests feeds arbitrary bodies to the strict decoder and the
// validation of every request type: it must never panic, every error
// must be a *model.Error naming a field, and whatever passes must satisfy
// the type's own rules.
func FuzzDecodeRequests(f *testing.F) {
	for _, seed := range []string{
		`{"username": "admin", "password": "x"}`,
		`{"name": "王秀平", "phone": "19900001234", "home_grid_id": 9}`,
		`{"head_id": 12}`, `{"head_id": null}`, `{}`, `[]`, `null`, `"x"`, `1e999`,
		`{"geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]}, "note": "n"}`,
		`{"username": "u", "password": "long-password", "role": "grid-leader", "grid_id": 9}`,
		`{"name": "t", "ttl_hours": 24}`, `{"name": 5}`, `{"nmae": 1}`, `{"a":1}{"b":2}`,
		"{\"name\": \"\xff\"}", `{"name": "\u0000"}`, `{"home_grid_id": -1}`, `{"home_grid_id": 1.5}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		check := func(err error) {
			if err == nil {
				return
			}
			var fe *model.Error
			if !errors.As(err, &fe) || fe.Field == "" || !strings.HasPrefix(fe.Error(), fe.Field) {
				t.Fatalf("error %v (%T) does not name its field", err, err)
			}
		}
		var login accounts.LoginInput
		if err := decodeBody(body, &login); err != nil {
			check(err)
		} else if err := login.Validate(); err != nil {
			check(err)
		} else if login.Username == "" || login.Password == "" {
			t.Fatal("empty credentials accepted")
		}
		var person field.PersonInput
		if err := decodeBody(body, &person); err != nil {
			check(err)
		} else if err := person.Validate(); err != nil {
			check(err)
		} else if person.Name == "" || person.HomeGridID < 0 {
			t.Fatalf("bad person accepted: %+v", person)
		}
		var ref field.RefInput
		if err := decodeBody(body, &ref.Body); err != nil {
			check(err)
		} else if id, err := ref.Value("head_id"); err != nil {
			check(err)
		} else if id != nil && *id <= 0 {
			t.Fatalf("non-positive id %d accepted", *id)
		}
		var acc accounts.AccountInput
		if err := decodeBody(body, &acc); err != nil {
			check(err)
		} else if role, err := acc.Validate(); err != nil {
			check(err)
		} else if role.Scoped() != (acc.GridID > 0) || !accounts.ValidUsername(acc.Username) {
			t.Fatalf("bad account accepted: %+v", acc)
		}
		var tok accounts.TokenInput
		check(decodeBody(body, &tok))
		var b planning.BoundaryInput
		check(decodeBody(body, &b))
	})
}
