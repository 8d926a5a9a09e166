package model

import (
	"time"

	"github.com/paulmach/orb"
)

// Dataset is one area's grids, people, buildings and households, and
// optionally a day of field work, as the seed generator makes it and
// store.ImportDataset writes it. Ids are assigned by the generator,
// starting at 1 in each table, and rows are ordered parents first.
type Dataset struct {
	Grids        []Grid
	People       []Person
	PartyMembers []PartyMember
	Branches     []PartyBranch // party branches (党支部); members name theirs
	Teams        []Team
	Volunteers   []Volunteer
	Staff        []Staff
	Buildings    []Building
	Households   []Household
	Field        *FieldData // nil when the dataset has no field work
}

// Grid is one grid polygon of the hierarchy.
type Grid struct {
	ID       int64
	ParentID int64 // 0 for a level-1 root
	Level    int
	Code     string
	Name     string
	LeaderID int64 // 0 when the grid has no leader
	Geom     orb.MultiPolygon
}

// Person is anyone named in the data. All names are synthetic.
type Person struct {
	ID         int64
	Name       string
	Phone      string
	HomeGridID int64 // the grid whose leader and staff look after this person
}

// Membership kinds of a party member.
const (
	MemberResident  = "resident"   // 自管党员
	MemberInService = "in_service" // 驻区党员, registered by their employer
)

// PartyMember is a party member linked to households in a grid.
type PartyMember struct {
	PersonID   int64
	Membership string
	Employer   string // in-service members only
	GridID     int64
	BranchID   int64 // their branch, at GridID or an ancestor; 0: the store picks the nearest
	Points     int   // sum of the member's point awards
}

// PartyBranch is a party branch (党支部) at a community or compound grid.
type PartyBranch struct {
	ID          int64
	GridID      int64
	Name        string
	SecretaryID int64 // a member of the branch; 0 when none
}

// PartyRegistration is an in-service member's registration with the
// community of their grid (双报到).
type PartyRegistration struct {
	PersonID     int64
	Employer     string
	CommunityID  int64  // the level-2 grid above (or at) the member's grid
	RegisteredOn string // YYYY-MM-DD
	EndedOn      string // YYYY-MM-DD once ended, "" while active
}

// Team is a volunteer team assigned to a grid.
type Team struct {
	ID     int64
	Name   string
	Colour string
	GridID int64
}

// Volunteer is a team member.
type Volunteer struct {
	PersonID int64
	TeamID   int64
}

// Staff is a grid leader or grid staff member.
type Staff struct {
	GridID   int64
	PersonID int64
	Role     string // "leader" or "staff"
}

// Building is a building point in a level-3 grid.
type Building struct {
	ID     int64
	GridID int64
	Name   string
	Floors int
	HeadID int64 // 0 when the building has no head
	Geom   orb.Point
}

// Household is one dwelling in a building.
type Household struct {
	ID         int64
	BuildingID int64
	Unit       string
	Room       string
	Residents  int
	Status     string // occupied, vacant or demolished
	ContactID  int64  // linked party member, 0 when none
}

// FieldData is the field work of the last few days up to a moment "now":
// screening reports, quarantines, checkpoints, alerts, the ledger of
// vulnerable residents, hotline requests, spot checks and party members'
// point awards, sampling sites and their reports. Dates are civil dates of the area ("YYYY-MM-DD"); times
// are never after now. A zero time or id means none (NULL).
type FieldData struct {
	Today          string // the day the data is "live" for
	Screenings     []Screening
	Quarantines    []Quarantine
	Checkpoints    []Checkpoint
	CheckpointDays []CheckpointDay
	Alerts         []Alert
	Vulnerable     []VulnerableResident
	Visits         []Visit
	Requests       []Request
	SpotChecks     []SpotCheck
	SpotCheckItems []SpotCheckItem
	PointAwards    []PointAward
	Service        []ServiceHours      // party members' volunteer service (志愿服务时长)
	Registrations  []PartyRegistration // in-service members' 双报到

	// Nucleic-acid sampling sites and their reports (issue 13).
	SamplingSites   []SamplingSite
	SamplingReports []SamplingReport
}

// Screening is one door-to-door screening report (拉网排查).
type Screening struct {
	ID          int64
	HouseholdID int64
	Day         string
	Outcome     string  // normal, not_home, fever, home_quarantine, risk_area_return or refused
	Temperature float64 // °C to one decimal, 0 when not taken
	Note        string
	ReportedAt  time.Time
}

// Quarantine is a home quarantine (居家隔离), with its door seal if any.
type Quarantine struct {
	ID          int64
	HouseholdID int64
	Starts      string
	Ends        string
	Reason      string // risk_area_return, close_contact, fever or other
	SealID      string
	EndedAt     time.Time // released early; zero when not
	CreatedAt   time.Time
}

// Checkpoint is a gate checkpoint (卡点) in a level-3 grid.
type Checkpoint struct {
	ID         int64
	GridID     int64
	Name       string
	Geom       orb.Point
	OnDuty     bool
	DutyPerson int64 // 0 when nobody is on duty
	DutySince  time.Time
}

// CheckpointDay is a checkpoint's counts for one day.
type CheckpointDay struct {
	CheckpointID int64
	Day          string
	Scans        int
	Temperatures int
	Fevers       int
}

// Alert is a fever or door-seal alert, open until resolved.
type Alert struct {
	ID           int64
	Kind         string // fever, seal_opened, seal_tampered or seal_offline
	GridID       int64  // the level-3 grid it is routed to
	HouseholdID  int64
	CheckpointID int64
	QuarantineID int64
	Note         string
	At           time.Time
	ResolvedAt   time.Time // zero while open
	Resolution   string
}

// VulnerableResident is an entry in the ledger (台账) of residents who
// must be visited regularly. The person is in People.
type VulnerableResident struct {
	ID             int64
	PersonID       int64
	HouseholdID    int64
	Category       string // elderly_alone, disabled, chronic_illness or other
	VisitEveryDays int
	Since          time.Time
	LastVisit      time.Time // the latest of the resident's visits; zero when none
}

// Visit is one visit or call to a vulnerable resident.
type Visit struct {
	ID         int64
	ResidentID int64
	At         time.Time
	Method     string // visit or phone
	Note       string
}

// Request is a call to the 24-hour hotline, located at a building.
type Request struct {
	ID         int64
	BuildingID int64
	GridID     int64 // the building's grid
	Category   string
	Body       string
	Caller     string
	Phone      string
	ReceivedAt time.Time
	ClosedAt   time.Time // zero while open
	Resolution string
}

// SpotCheck is a spot check (晒网督查): a sample of K occupied households
// of a grid, in the order the store draws them (md5 of "seed:id").
type SpotCheck struct {
	ID        int64
	GridID    int64
	Seed      int64
	K         int
	CreatedAt time.Time
}

// SpotCheckItem is one sampled household and its result, if recorded.
type SpotCheckItem struct {
	CheckID     int64
	Position    int // 1-based
	HouseholdID int64
	Result      string // knows, does_not_know or unreachable; empty when not yet recorded
	Method      string // visit or phone, with a result
	RecordedAt  time.Time
}

// PointAward is points given to a party member (积分制).
type PointAward struct {
	ID       int64
	PersonID int64
	Points   int
	Reason   string
	At       time.Time
}

// ServiceHours is volunteer service a party member did on a day.
type ServiceHours struct {
	ID       int64
	PersonID int64
	Day      string
	Hours    float64 // 0.5 to 24, in half hours
	What     string
}
