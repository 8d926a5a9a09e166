package access

import "github.com/gridmap/gridmap/auth"

// People's names and phones are shown whole only to roles with
// read:people; everyone else who may read the map sees them masked
// (auth.MaskName, auth.MaskPhone). These are the one place that decides.

// MaskName returns name as p may see it.
func MaskName(p *auth.Principal, name string) string {
	if p.Can(auth.ReadPeople) {
		return name
	}
	return auth.MaskName(name)
}

// MaskNamePtr is MaskName of an optional name.
func MaskNamePtr(p *auth.Principal, name *string) *string {
	if name == nil || p.Can(auth.ReadPeople) {
		return name
	}
	m := auth.MaskName(*name)
	return &m
}

// MaskPhone returns an optional phone as p may see it.
func MaskPhone(p *auth.Principal, phone *string) *string {
	if phone == nil || p.Can(auth.ReadPeople) {
		return phone
	}
	m := auth.MaskPhone(*phone)
	return &m
}
