package field

import (
	"context"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/store"
)

// The roster of people arriving: returnees and people from elsewhere,
// with the days of observation they need.

// MaxObserveDays bounds the days of observation one arrival may need.
const MaxObserveDays = 60

// ArrivalInput enters a person arriving in a household.
type ArrivalInput struct {
	ClientID    string `json:"client_id"`
	HouseholdID int64  `json:"household_id"`
	Name        string `json:"name"`
	Phone       string `json:"phone"`
	Kind        string `json:"kind"`         // returnee (返乡) or arrival (外来)
	Origin      string `json:"origin"`       // where from
	ArrivedOn   string `json:"arrived_on"`   // YYYY-MM-DD, local; "" for today
	ObserveDays *int   `json:"observe_days"` // nil for 14
	Note        string `json:"note"`
}

// Validate checks in against today (the area's local day), trimming its
// text and filling its defaults: an arrival is today or in the last 60
// days, never tomorrow.
func (in *ArrivalInput) Validate(today string) error {
	if err := CheckClientID(in.ClientID); err != nil {
		return err
	}
	if in.HouseholdID <= 0 {
		return invalid("household_id", "required: a household id")
	}
	var err error
	if in.Name, err = text("name", in.Name, 1, 100); err != nil {
		return err
	}
	if in.Phone, err = phone(in.Phone); err != nil {
		return err
	}
	if err := oneOf("kind", in.Kind, "returnee", "arrival"); err != nil {
		return err
	}
	if in.Origin, err = text("origin", in.Origin, 1, 200); err != nil {
		return err
	}
	if in.Note, err = text("note", in.Note, 0, 500); err != nil {
		return err
	}
	if in.ArrivedOn == "" {
		in.ArrivedOn = today
	}
	d, err := date("arrived_on", in.ArrivedOn)
	if err != nil {
		return err
	}
	t, _ := time.Parse(time.DateOnly, today)
	if d.After(t) || d.Before(t.AddDate(0, 0, -MaxObserveDays)) {
		return invalid("arrived_on", "want a day from %s to today (%s)", t.AddDate(0, 0, -MaxObserveDays).Format(time.DateOnly), today)
	}
	in.ArrivedOn = d.Format(time.DateOnly)
	if in.ObserveDays == nil {
		fourteen := 14
		in.ObserveDays = &fourteen
	}
	if *in.ObserveDays < 0 || *in.ObserveDays > MaxObserveDays {
		return invalid("observe_days", "want 0 to %d days", MaxObserveDays)
	}
	return nil
}

// AddArrival enters a person arriving in a household of p's scope.
func (s *Service) AddArrival(ctx context.Context, p *auth.Principal, a store.Actor, in ArrivalInput) (store.WriteResult, error) {
	today := s.today()
	if err := in.Validate(today); err != nil {
		return store.WriteResult{}, err
	}
	t := on(ctx, "household_id", "household", in.HouseholdID, s.store.HouseholdGrid)
	return s.write(ctx, p, t, func(ctx context.Context) (store.WriteResult, error) {
		return s.store.AddArrival(ctx, a, in.ClientID, today, store.ArrivalInput{HouseholdID: in.HouseholdID, Name: in.Name,
			Phone: in.Phone, Kind: in.Kind, Origin: in.Origin, ArrivedOn: in.ArrivedOn, ObserveDays: *in.ObserveDays, Note: in.Note})
	})
}
