package model

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"field prefixed", Errorf(Invalid, "lat", "out of range"), "lat: out of range"},
		{"prefix not doubled", &Error{Kind: Invalid, Field: "lat", Msg: "lat: out of range"}, "lat: out of range"},
		{"no field", Errorf(Conflict, "", "moved on"), "moved on"},
		{"cause as message", &Error{Kind: Unavailable, Err: errors.New("dial tcp: refused")}, "dial tcp: refused"},
		{"kind only", &Error{Kind: NotFound}, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestKindOfWrapped(t *testing.T) {
	t.Parallel()
	cause := errors.New("connection reset")
	err := fmt.Errorf("store: grid 3: %w", &Error{Kind: Unavailable, Msg: "database away", Err: cause})
	if KindOf(err) != Unavailable || !errors.Is(err, cause) {
		t.Errorf("KindOf %v, Is cause %v", KindOf(err), errors.Is(err, cause))
	}
	if KindOf(errors.New("x")) != Internal || FieldOf(err) != "" {
		t.Error("an error of no kind is Internal")
	}
}

func TestOutcomes(t *testing.T) {
	t.Parallel()
	screened := map[Outcome]bool{OutcomeNormal: true, OutcomeFever: true, OutcomeHomeQuarantine: true,
		OutcomeRiskAreaReturn: true, OutcomeNotHome: false, OutcomeRefused: false}
	if len(screened) != len(Outcomes) {
		t.Fatalf("table covers %d of %d outcomes", len(screened), len(Outcomes))
	}
	for _, o := range Outcomes {
		if !o.Valid() || o.Screened() != screened[o] {
			t.Errorf("%s: valid %v screened %v", o, o.Valid(), o.Screened())
		}
	}
	if Outcome("cured").Valid() || Outcome("cured").Screened() {
		t.Error("an unknown outcome is neither valid nor screened")
	}
}

func TestCheckLonLat(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		lon, lat float64
		field    string
	}{{113.6, 34.7, ""}, {181, 0, "lon"}, {0, -91, "lat"}, {-180, 90, ""}} {
		if got := FieldOf(CheckLonLat(tt.lon, tt.lat, "lon", "lat")); got != tt.field {
			t.Errorf("(%v, %v): field %q, want %q", tt.lon, tt.lat, got, tt.field)
		}
	}
}
