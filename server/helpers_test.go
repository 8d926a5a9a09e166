package server_test

import "github.com/gridmap/gridmap/store"

func storeFilter(grid int64) store.BuildingFilter {
	return store.BuildingFilter{GridID: grid, Limit: 10}
}
