// Package auth holds who may do what: roles and their permissions, the
// principal behind a request, the grid scope check that every route and
// stream topic goes through, name masking, password and token hashing.
// It is pure: no database, no HTTP.
package auth

import (
	"fmt"
	"strings"
)

// Role is an account's role.
type Role string

// The roles, from most to least powerful.
const (
	Admin      Role = "admin"       // everything, including accounts and the audit log
	Planner    Role = "planner"     // redraws grid boundaries; sees the map, not people
	Viewer     Role = "viewer"      // wall display: the whole area or one grid's subtree, read-only, counts not people
	GridLeader Role = "grid-leader" // one grid and its subtree: sees people, edits people and field data
	Staff      Role = "staff"       // grid staff: field data in their grids
	Device     Role = "device"      // one volunteer's phone: posts its own positions only
	Volunteer  Role = "volunteer"   // a volunteer signed in on their phone: their tasks, in their team's grid
)

// Roles lists every role, for validation and the authorisation matrix.
func Roles() []Role { return []Role{Admin, Planner, Viewer, GridLeader, Staff, Device, Volunteer} }

// ParseRole returns the role named s.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles() {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown role %q (want one of %s)", s, strings.Join(roleNames(), ", "))
}

func roleNames() []string {
	var out []string
	for _, r := range Roles() {
		out = append(out, string(r))
	}
	return out
}

// Scoped reports whether the role is limited to one grid's subtree.
func (r Role) Scoped() bool { return r == GridLeader || r == Staff || r == Volunteer }

// Permission is something a route needs.
type Permission string

// The permissions routes ask for.
const (
	Public         Permission = "public"         // no login needed
	LoggedIn       Permission = "logged-in"      // any account
	ReadMap        Permission = "read:map"       // grids, buildings, counts
	ReadPeople     Permission = "read:people"    // people's names and phones unmasked
	WriteField     Permission = "write:field"    // building heads, household contacts
	WritePeople    Permission = "write:people"   // people and grid leaders
	WriteBoundary  Permission = "write:boundary" // grid boundaries
	ReadAudit      Permission = "read:audit"
	ReadMetrics    Permission = "read:metrics" // /metrics: request counts, pool and process figures
	ManageAccounts Permission = "manage:accounts"
	PostPositions  Permission = "post:positions"
	ReadTasks      Permission = "read:tasks"      // tasks: a volunteer their own, others those in scope
	TakeTasks      Permission = "take:tasks"      // accept and decline the tasks one is assigned: volunteers only
	WorkTasks      Permission = "work:tasks"      // close tasks with their field record
	ChangePassword Permission = "change:password" // one's own; every role but devices, which have none
)

// Can reports whether the role holds permission p.
func (r Role) Can(p Permission) bool {
	switch p {
	case Public:
		return true
	case LoggedIn:
		return r != ""
	case ChangePassword:
		return r != "" && r != Device
	}
	switch r {
	case Admin:
		return p != PostPositions && p != TakeTasks // admins do not impersonate devices or volunteers
	case Planner:
		return p == ReadMap || p == WriteBoundary
	case Viewer:
		return p == ReadMap
	case GridLeader:
		return p == ReadMap || p == ReadPeople || p == WriteField || p == WritePeople || p == ReadTasks || p == WorkTasks
	case Staff:
		return p == ReadMap || p == ReadPeople || p == WriteField || p == ReadTasks || p == WorkTasks
	case Device:
		return p == PostPositions
	case Volunteer:
		// The map of their team's grid (counts, no names), their own
		// tasks and the phone's position; field records only through a
		// task they hold.
		return p == ReadMap || p == ReadTasks || p == TakeTasks || p == WorkTasks || p == PostPositions
	}
	return false
}

// Principal is the account behind a request.
type Principal struct {
	AccountID int64
	Username  string
	Role      Role
	GridID    int64 // scope root for grid leaders, staff and a wall link's viewer; 0 for the whole area
	PersonID  int64 // the volunteer of a device or volunteer account
}

// Can reports whether the principal holds permission p; a nil principal
// (no login) holds only Public.
func (p *Principal) Can(perm Permission) bool {
	if p == nil {
		return perm == Public
	}
	return p.Role.Can(perm)
}

// Scope returns the part of the grid hierarchy the principal may see:
// grid leaders and staff their grid's subtree, a viewer with a grid (a
// wall link's screen) too, everyone else the whole area.
func (p *Principal) Scope() Scope {
	if p == nil || !(p.Role.Scoped() || p.Role == Viewer && p.GridID != 0) {
		return Scope{}
	}
	return Scope{Root: p.GridID}
}

// MaskName hides all but the first character of a name: 王秀平 → 王**.
func MaskName(name string) string {
	r := []rune(name)
	if len(r) == 0 {
		return ""
	}
	return string(r[0]) + strings.Repeat("*", max(1, len(r)-1))
}

// MaskPhone keeps the first three and last two digits: 199****0001.
func MaskPhone(phone string) string {
	r := []rune(phone)
	if len(r) <= 5 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:3]) + strings.Repeat("*", len(r)-5) + string(r[len(r)-2:])
}
