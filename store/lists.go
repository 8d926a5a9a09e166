package store

// ListCap is the most rows a grid's list answers at once (the ledger,
// hotline requests, checkpoints, sampling sites, party members' points,
// arrivals): a list that goes on says so (more is true) rather than
// stopping silently. The gap lists, tasks and the audit log page instead.
const ListCap = 5000

// listLimit is the LIMIT of those lists: one row past ListCap tells
// whether there are more.
const listLimit = "5001"

// capRows trims rows read with listLimit to ListCap, and says whether
// there were more; no rows is an empty list, not null.
func capRows[T any](rows []T) ([]T, bool) {
	if len(rows) > ListCap {
		return rows[:ListCap], true
	}
	if rows == nil {
		rows = []T{}
	}
	return rows, false
}
