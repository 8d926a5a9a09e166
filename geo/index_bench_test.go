package geo

import (
	"sync"
	"testing"
	"unsafe"

	"github.com/paulmach/orb"
)

// cityFixture is the generated city of 50,000 level-3 grids and the
// random positions the benchmarks assign, built once for all of them.
type cityFixture struct {
	tiling
	points []orb.Point
}

var (
	cityOnce sync.Once
	city     *cityFixture
)

// benchPoints is how many positions a benchmark cycles through; a power
// of two, and more than the caches hold.
const benchPoints = 1 << 20

func fullCity() *cityFixture {
	cityOnce.Do(func() {
		t := newTiling(200, 250, 150, 50_000, nil)
		city = &cityFixture{tiling: t, points: t.randomPoints(benchPoints, 5)}
	})
	return city
}

// sinkID keeps the compiler from discarding lookups.
var sinkID int64

func benchmarkAssign(b *testing.B, loc locator, pts []orb.Point) {
	b.ReportAllocs()
	b.ResetTimer()
	var sum int64
	for i := range b.N {
		id, _ := loc.Locate(pts[i&(benchPoints-1)])
		sum += id
	}
	b.StopTimer()
	sinkID = sum
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "assign/s")
}

func BenchmarkAssignDemo(b *testing.B) {
	demo := demoTiling()
	ix, err := NewIndex(demo.regions)
	if err != nil {
		b.Fatal(err)
	}
	benchmarkAssign(b, ix, demo.randomPoints(benchPoints, 6))
}

func BenchmarkAssignCity(b *testing.B) {
	c := fullCity()
	ix, err := NewIndex(c.regions)
	if err != nil {
		b.Fatal(err)
	}
	benchmarkAssign(b, ix, c.points)
}

func BenchmarkAssignCityNaive(b *testing.B) {
	c := fullCity()
	benchmarkAssign(b, NewNaive(c.regions), c.points)
}

// BenchmarkBuildCity reports the time and allocation of NewIndex for the
// city, and the size of the index it returns.
func BenchmarkBuildCity(b *testing.B) {
	c := fullCity()
	b.ReportAllocs()
	b.ResetTimer()
	var ix *Index
	for range b.N {
		var err error
		if ix, err = NewIndex(c.regions); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(indexBytes(ix))/(1<<20), "index-MiB")
	b.ReportMetric(float64(ix.nx*ix.ny), "cells")
}

// indexBytes is the memory an index holds beyond the shapes it shares
// with the caller.
func indexBytes(ix *Index) int {
	return len(ix.cells)*4 + len(ix.spill)*4 +
		len(ix.partID)*8 + len(ix.partShape)*int(unsafe.Sizeof(orb.Polygon{}))
}
