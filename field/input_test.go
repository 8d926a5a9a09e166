package field

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gridmap/gridmap/model"
)

// wantField checks err: nil when want is "", else an Invalid error
// naming want whose message starts with it.
func wantField(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("got %v, want no error", err)
	case want != "" && err == nil:
		t.Errorf("no error, want one naming %s", want)
	case want != "" && (model.KindOf(err) != model.Invalid || model.FieldOf(err) != want || !strings.HasPrefix(err.Error(), want+": ")):
		t.Errorf("got %v (kind %v, field %q), want Invalid naming %s", err, model.KindOf(err), model.FieldOf(err), want)
	}
}

const cid = "phone-1:write.0001"

func f64(v float64) *float64 { return &v }

func TestCheckClientID(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		id   string
		want string
	}{
		{cid, ""},
		{"abcdefgh", ""},
		{"", "client_id"},
		{"short", "client_id"},
		{strings.Repeat("a", 65), "client_id"},
		{"has space 123", "client_id"},
		{"编号编号编号编号", "client_id"},
	} {
		t.Run(tt.id, func(t *testing.T) { wantField(t, CheckClientID(tt.id), tt.want) })
	}
}

func TestScreeningInput(t *testing.T) {
	t.Parallel()
	const today = "2024-03-10"
	ok := ScreeningInput{ClientID: cid, HouseholdID: 7, Outcome: "normal"}
	for _, tt := range []struct {
		name string
		edit func(*ScreeningInput)
		want string
	}{
		{"valid", func(*ScreeningInput) {}, ""},
		{"no client id", func(in *ScreeningInput) { in.ClientID = "" }, "client_id"},
		{"no household", func(in *ScreeningInput) { in.HouseholdID = 0 }, "household_id"},
		{"no outcome", func(in *ScreeningInput) { in.Outcome = "" }, "outcome"},
		{"unknown outcome", func(in *ScreeningInput) { in.Outcome = "fine" }, "outcome"},
		{"fever at 38.5", func(in *ScreeningInput) { in.Outcome, in.Temperature = "fever", f64(38.5) }, ""},
		{"29.9 °C", func(in *ScreeningInput) { in.Temperature = f64(29.9) }, "temperature"},
		{"45.1 °C", func(in *ScreeningInput) { in.Temperature = f64(45.1) }, "temperature"},
		{"501-character note", func(in *ScreeningInput) { in.Note = strings.Repeat("记", 501) }, "note"},
		{"500-character note", func(in *ScreeningInput) { in.Note = strings.Repeat("记", 500) }, ""},
		{"yesterday", func(in *ScreeningInput) { in.Day = "2024-03-09" }, ""},
		{"the day before", func(in *ScreeningInput) { in.Day = "2024-03-08" }, "day"},
		{"tomorrow", func(in *ScreeningInput) { in.Day = "2024-03-11" }, "day"},
		{"not a date", func(in *ScreeningInput) { in.Day = "10/03/2024" }, "day"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := ok
			tt.edit(&in)
			wantField(t, in.Validate(today), tt.want)
		})
	}
	in := ScreeningInput{ClientID: cid, HouseholdID: 7, Outcome: "normal", Note: "  门口  "}
	if err := in.Validate(today); err != nil || in.Day != today || in.Note != "门口" {
		t.Errorf("defaults: %+v %v, want day %s and the note trimmed", in, err, today)
	}
}

func TestQuarantineInput(t *testing.T) {
	t.Parallel()
	ok := QuarantineInput{ClientID: cid, HouseholdID: 7, Starts: "2024-03-01", Ends: "2024-03-14", Reason: "close_contact"}
	for _, tt := range []struct {
		name string
		edit func(*QuarantineInput)
		want string
	}{
		{"valid", func(*QuarantineInput) {}, ""},
		{"with a seal", func(in *QuarantineInput) { in.SealID = "SEAL-001" }, ""},
		{"no household", func(in *QuarantineInput) { in.HouseholdID = -1 }, "household_id"},
		{"no start", func(in *QuarantineInput) { in.Starts = "" }, "starts"},
		{"bad end", func(in *QuarantineInput) { in.Ends = "2024-02-30" }, "ends"},
		{"ends before it starts", func(in *QuarantineInput) { in.Ends = "2024-02-28" }, "ends"},
		{"60 days", func(in *QuarantineInput) { in.Ends = "2024-04-30" }, ""},
		{"61 days", func(in *QuarantineInput) { in.Ends = "2024-05-01" }, "ends"},
		{"bad seal", func(in *QuarantineInput) { in.SealID = "S!" }, "seal_id"},
		{"no reason", func(in *QuarantineInput) { in.Reason = "" }, "reason"},
		{"unknown reason", func(in *QuarantineInput) { in.Reason = "bored" }, "reason"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := ok
			tt.edit(&in)
			wantField(t, in.Validate(), tt.want)
		})
	}
}

func TestSealAlertInput(t *testing.T) {
	t.Parallel()
	ok := SealAlertInput{ClientID: cid, SealID: "SEAL-001", Kind: "seal_opened"}
	for _, tt := range []struct {
		name string
		edit func(*SealAlertInput)
		want string
	}{
		{"valid", func(*SealAlertInput) {}, ""},
		{"no seal", func(in *SealAlertInput) { in.SealID = "" }, "seal_id"},
		{"41-character seal", func(in *SealAlertInput) { in.SealID = strings.Repeat("A", 41) }, "seal_id"},
		{"unknown kind", func(in *SealAlertInput) { in.Kind = "seal_lost" }, "kind"},
		{"long note", func(in *SealAlertInput) { in.Note = strings.Repeat("n", 501) }, "note"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := ok
			tt.edit(&in)
			wantField(t, in.Validate(), tt.want)
		})
	}
}

func TestResidentAndRequestInputs(t *testing.T) {
	t.Parallel()
	res := ResidentInput{ClientID: cid, HouseholdID: 7, Name: " 王秀平 ", Phone: " 199 0000 1234 ", Category: "elderly_alone", VisitEveryDays: 7}
	req := RequestInput{ClientID: cid, BuildingID: 3, Category: "medical", Body: "药", Phone: "+86-199"}
	for _, tt := range []struct {
		name string
		edit func(*ResidentInput, *RequestInput)
		want string
	}{
		{"valid", func(*ResidentInput, *RequestInput) {}, ""},
		{"no name", func(r *ResidentInput, _ *RequestInput) { r.Name = "  " }, "name"},
		{"bad phone", func(r *ResidentInput, q *RequestInput) { r.Phone, q.Phone = "call me", "call me" }, "phone"},
		{"short phone", func(r *ResidentInput, q *RequestInput) { r.Phone, q.Phone = "1234", "1234" }, "phone"},
		{"visits every 0 days", func(r *ResidentInput, _ *RequestInput) { r.VisitEveryDays = 0 }, "visit_every_days"},
		{"visits every 91 days", func(r *ResidentInput, _ *RequestInput) { r.VisitEveryDays = 91 }, "visit_every_days"},
		{"unknown category", func(r *ResidentInput, q *RequestInput) { r.Category, q.Category = "x", "x" }, "category"},
		{"no body", func(_ *ResidentInput, q *RequestInput) { q.Body = "" }, "body"},
		{"1001-character body", func(_ *ResidentInput, q *RequestInput) { q.Body = strings.Repeat("b", 1001) }, "body"},
		{"101-character caller", func(_ *ResidentInput, q *RequestInput) { q.Caller = strings.Repeat("c", 101) }, "caller"},
		{"no building", func(_ *ResidentInput, q *RequestInput) { q.BuildingID = 0 }, "building_id"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, q := res, req
			tt.edit(&r, &q)
			err := r.Validate()
			if err == nil {
				err = q.Validate()
			}
			wantField(t, err, tt.want)
		})
	}
	r := res
	if err := r.Validate(); err != nil || r.Name != "王秀平" || r.Phone != "199 0000 1234" {
		t.Errorf("trimming: %+v %v", r, err)
	}
}

func TestVisitInput(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 3, 10, 9, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { v := now.Add(d); return &v }
	for _, tt := range []struct {
		name string
		at   *time.Time
		want string
	}{
		{"now by default", nil, ""},
		{"an hour ago", at(-time.Hour), ""},
		{"in 59 s (clock skew)", at(59 * time.Second), ""},
		{"in 2 min", at(2 * time.Minute), "at"},
		{"31 days ago", at(-31 * 24 * time.Hour), "at"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := VisitInput{ClientID: cid, Method: "visit", At: tt.at}
			wantField(t, in.Validate(now), tt.want)
			if tt.at == nil && (in.At == nil || !in.At.Equal(now)) {
				t.Errorf("at defaults to %v, want now", in.At)
			}
		})
	}
	in := VisitInput{ClientID: cid, Method: "letter"}
	wantField(t, in.Validate(now), "method")
}

func TestPointsAndPathInputs(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		in   PointsInput
		want string
	}{
		{"valid", PointsInput{ClientID: cid, Points: -100, Reason: "r"}, ""},
		{"zero points", PointsInput{ClientID: cid, Points: 0, Reason: "r"}, "points"},
		{"101 points", PointsInput{ClientID: cid, Points: 101, Reason: "r"}, "points"},
		{"no reason", PointsInput{ClientID: cid, Points: 5}, "reason"},
		{"201-character reason", PointsInput{ClientID: cid, Points: 5, Reason: strings.Repeat("r", 201)}, "reason"},
	} {
		t.Run(tt.name, func(t *testing.T) { wantField(t, tt.in.Validate(), tt.want) })
	}
	p := PathInput{ClientID: cid, Resolution: strings.Repeat("r", 501)}
	wantField(t, p.Validate(), "resolution")
	p = PathInput{ClientID: "x"}
	wantField(t, p.Validate(), "client_id")
}

func TestCheckpointInputs(t *testing.T) {
	t.Parallel()
	yes, no := true, false
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"checkpoint", (&CheckpointInput{ClientID: cid, GridID: 9, Name: "东门", Lon: 116.4, Lat: 39.9}).Validate(), ""},
		{"no name", (&CheckpointInput{ClientID: cid, GridID: 9, Lon: 116.4, Lat: 39.9}).Validate(), "name"},
		{"no grid", (&CheckpointInput{ClientID: cid, Name: "东门", Lon: 116.4, Lat: 39.9}).Validate(), "grid_id"},
		{"lon 0", (&CheckpointInput{ClientID: cid, GridID: 9, Name: "东门", Lat: 39.9}).Validate(), "lon"},
		{"lat 91", (&CheckpointInput{ClientID: cid, GridID: 9, Name: "东门", Lon: 116.4, Lat: 91}).Validate(), "lat"},
		{"on duty", (&DutyInput{ClientID: cid, OnDuty: &yes, PersonID: 4}).Validate(), ""},
		{"duty unsaid", (&DutyInput{ClientID: cid}).Validate(), "on_duty"},
		{"off duty with a person", (&DutyInput{ClientID: cid, OnDuty: &no, PersonID: 4}).Validate(), "person_id"},
		{"negative person", (&DutyInput{ClientID: cid, OnDuty: &yes, PersonID: -4}).Validate(), "person_id"},
		{"counts", (&CountsInput{ClientID: cid, Scans: 3}).Validate(), ""},
		{"no counts", (&CountsInput{ClientID: cid}).Validate(), "scans"},
		{"101 fevers", (&CountsInput{ClientID: cid, Fevers: 101}).Validate(), "fevers"},
		{"negative temperatures", (&CountsInput{ClientID: cid, Temperatures: -1}).Validate(), "temperatures"},
	} {
		t.Run(tt.name, func(t *testing.T) { wantField(t, tt.err, tt.want) })
	}
}

func TestSpotCheckInputs(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	in := SpotCheckInput{ClientID: cid, K: 20}
	if err := in.Validate(now); err != nil || in.Seed == nil {
		t.Errorf("a sample without a seed: %v, seed %v; want one drawn from the clock", err, in.Seed)
	}
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"k 0", (&SpotCheckInput{ClientID: cid}).Validate(now), "k"},
		{"k 501", (&SpotCheckInput{ClientID: cid, K: 501}).Validate(now), "k"},
		{"result", (&SpotResultInput{ClientID: cid, HouseholdID: 1, Result: "knows", Method: "phone"}).Validate(), ""},
		{"no household", (&SpotResultInput{ClientID: cid, Result: "knows", Method: "phone"}).Validate(), "household_id"},
		{"unknown result", (&SpotResultInput{ClientID: cid, HouseholdID: 1, Result: "maybe", Method: "phone"}).Validate(), "result"},
		{"unknown method", (&SpotResultInput{ClientID: cid, HouseholdID: 1, Result: "knows", Method: "mail"}).Validate(), "method"},
	} {
		t.Run(tt.name, func(t *testing.T) { wantField(t, tt.err, tt.want) })
	}
}

func TestPersonInput(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		in   PersonInput
		want string
	}{
		{"valid", PersonInput{Name: " 李 ", Phone: "13800000000", HomeGridID: 9}, ""},
		{"no name", PersonInput{Name: " "}, "name"},
		{"101 characters", PersonInput{Name: strings.Repeat("名", 101)}, "name"},
		{"bad phone", PersonInput{Name: "李", Phone: "phone"}, "phone"},
		{"negative grid", PersonInput{Name: "李", HomeGridID: -1}, "home_grid_id"},
	} {
		t.Run(tt.name, func(t *testing.T) { wantField(t, tt.in.Validate(), tt.want) })
	}
}

func TestRefInputValue(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		body  string
		want  string
		value int64 // 0 for null
	}{
		{`{"head_id": 12}`, "", 12},
		{`{"head_id": null}`, "", 0},
		{`{"head_id": 12, "client_id": "x"}`, "", 12},
		{`{}`, "head_id", 0},
		{`{"head_id": 0}`, "head_id", 0},
		{`{"head_id": "12"}`, "head_id", 0},
		{`{"head_id": 1.5}`, "head_id", 0},
		{`{"head_id": 1, "leader_id": 2}`, "leader_id", 0},
		{`{"": 1}`, "body", 0},
	} {
		t.Run(tt.body, func(t *testing.T) {
			var in RefInput
			if err := json.Unmarshal([]byte(tt.body), &in.Body); err != nil {
				t.Fatal(err)
			}
			v, err := in.Value("head_id")
			wantField(t, err, tt.want)
			if tt.want == "" && (v == nil) != (tt.value == 0) || v != nil && *v != tt.value {
				t.Errorf("value %v, want %d", v, tt.value)
			}
		})
	}
}

func TestImportInputFormat(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		in   ImportInput
		kind model.Kind
		fld  string
	}{
		{"csv", ImportInput{ClientID: cid, Kind: "screenings", MediaType: "text/csv"}, model.Internal, ""},
		{"unknown kind", ImportInput{ClientID: cid, Kind: "pets", MediaType: "text/csv"}, model.NotFound, "kind"},
		{"no client id", ImportInput{Kind: "heads", MediaType: "text/csv"}, model.Invalid, "client_id"},
		{"pdf", ImportInput{ClientID: cid, Kind: "heads", MediaType: "application/pdf"}, model.UnsupportedMedia, "Content-Type"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.in.format()
			if model.KindOf(err) != tt.kind || model.FieldOf(err) != tt.fld || (tt.fld == "") != (err == nil) {
				t.Errorf("got %v, want kind %v on %q", err, tt.kind, tt.fld)
			}
		})
	}
}

func TestRowReport(t *testing.T) {
	t.Parallel()
	rows := make([]int, 501)
	err := rowReport(rows)
	var fe *model.Error
	if !errors.As(err, &fe) || fe.Kind != model.Unprocessable || fe.Field != "body" ||
		fe.Details["rows_total"] != 501 || fe.Details["truncated"] != true || len(fe.Details["rows"].([]int)) != maxReportRows {
		t.Errorf("501 rows: %#v", err)
	}
	if err := rowReport(rows[:3]); err.(*model.Error).Details["truncated"] != nil {
		t.Errorf("3 rows reported as truncated")
	}
}
