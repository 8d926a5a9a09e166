// Package model holds the types every layer of gridmap shares (a
// position, a screening outcome, the one error type) and their
// validation. It imports nothing of the project, so geo, store, the
// services and the server can all depend on it and on nothing else for
// their common vocabulary.
package model
