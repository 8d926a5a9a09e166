// Package seed generates synthetic but realistic grid areas: the demo
// subdistrict modelled on Jianshe Road Subdistrict, Zhengzhou, and large
// generated cities for benchmarks. Output is deterministic for a seed.
// Generation is pure; store.ImportDataset writes a Dataset with COPY.
package seed

import "github.com/paulmach/orb"

// Dataset is one generated area. Ids are assigned by the generator,
// starting at 1 in each table, and rows are ordered parents first.
type Dataset struct {
	Grids        []Grid
	People       []Person
	PartyMembers []PartyMember
	Teams        []Team
	Volunteers   []Volunteer
	Staff        []Staff
	Buildings    []Building
	Households   []Household
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
	Resident  = "resident"   // 自管党员
	InService = "in_service" // 驻区党员, registered by their employer
)

// PartyMember is a party member linked to households in a grid.
type PartyMember struct {
	PersonID   int64
	Membership string
	Employer   string // in-service members only
	GridID     int64
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
