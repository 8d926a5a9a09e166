package field

import "testing"

func intp(v int) *int { return &v }

func TestSamplingSiteInput(t *testing.T) {
	t.Parallel()
	ok := SamplingSiteInput{ClientID: cid, Name: " 西门采样点 ", Lon: 113.63, Lat: 34.75, Opens: "07:00", Closes: "19:30"}
	for _, tt := range []struct {
		name string
		edit func(*SamplingSiteInput)
		want string
	}{
		{"valid", func(*SamplingSiteInput) {}, ""},
		{"no client id", func(in *SamplingSiteInput) { in.ClientID = "" }, "client_id"},
		{"blank name", func(in *SamplingSiteInput) { in.Name = "  " }, "name"},
		{"no lon", func(in *SamplingSiteInput) { in.Lon = 0 }, "lon"},
		{"lat out of range", func(in *SamplingSiteInput) { in.Lat = 95 }, "lat"},
		{"no opens", func(in *SamplingSiteInput) { in.Opens = "" }, "opens"},
		{"one-digit hour", func(in *SamplingSiteInput) { in.Opens = "7:00" }, "opens"},
		{"hour 24", func(in *SamplingSiteInput) { in.Closes = "24:00" }, "closes"},
		{"with seconds", func(in *SamplingSiteInput) { in.Closes = "19:30:00" }, "closes"},
		{"closes before opens", func(in *SamplingSiteInput) { in.Opens, in.Closes = "19:00", "07:00" }, "closes"},
		{"closes at opens", func(in *SamplingSiteInput) { in.Closes = in.Opens }, "closes"},
		{"past midnight", func(in *SamplingSiteInput) { in.Opens, in.Closes = "20:00", "02:00" }, "closes"},
		{"all day", func(in *SamplingSiteInput) { in.Opens, in.Closes = "00:00", "23:59" }, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := ok
			tt.edit(&in)
			wantField(t, in.Validate(), tt.want)
			if tt.want == "" && in.Name != "西门采样点" {
				t.Errorf("name %q, want it trimmed", in.Name)
			}
		})
	}
}

func TestSamplingReportInput(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		in   SamplingReportInput
		want string
	}{
		{"valid", SamplingReportInput{ClientID: cid, Queue: intp(12), Tested: 40}, ""},
		{"queue only", SamplingReportInput{ClientID: cid, Queue: intp(0)}, ""},
		{"no queue", SamplingReportInput{ClientID: cid, Tested: 40}, "queue"},
		{"negative queue", SamplingReportInput{ClientID: cid, Queue: intp(-1)}, "queue"},
		{"huge queue", SamplingReportInput{ClientID: cid, Queue: intp(10_001)}, "queue"},
		{"negative tested", SamplingReportInput{ClientID: cid, Queue: intp(1), Tested: -2}, "tested"},
		{"huge tested", SamplingReportInput{ClientID: cid, Queue: intp(1), Tested: 100_001}, "tested"},
		{"no client id", SamplingReportInput{Queue: intp(1)}, "client_id"},
	} {
		t.Run(tt.name, func(t *testing.T) { wantField(t, tt.in.Validate(), tt.want) })
	}
}

func TestSamplingRoundInput(t *testing.T) {
	t.Parallel()
	const today = "2024-03-10"
	ok := SamplingRoundInput{ClientID: cid, Day: today, GridID: 2, Name: "第3轮全员核酸"}
	for _, tt := range []struct {
		name string
		edit func(*SamplingRoundInput)
		want string
	}{
		{"valid", func(*SamplingRoundInput) {}, ""},
		{"a year back", func(in *SamplingRoundInput) { in.Day = "2023-03-10" }, ""},
		{"too far back", func(in *SamplingRoundInput) { in.Day = "2023-03-08" }, "day"},
		{"30 days ahead", func(in *SamplingRoundInput) { in.Day = "2024-04-09" }, ""},
		{"31 days ahead", func(in *SamplingRoundInput) { in.Day = "2024-04-10" }, "day"},
		{"no day", func(in *SamplingRoundInput) { in.Day = "" }, "day"},
		{"bad day", func(in *SamplingRoundInput) { in.Day = "2024-02-30" }, "day"},
		{"no grid", func(in *SamplingRoundInput) { in.GridID = 0 }, "grid_id"},
		{"no name", func(in *SamplingRoundInput) { in.Name = " " }, "name"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := ok
			tt.edit(&in)
			wantField(t, in.Validate(today), tt.want)
		})
	}
}
