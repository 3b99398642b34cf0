package transport

import (
	"math"
	"testing"
)

// TestUnitMetresClosedForm: the closed-form grid unit equals gridM over the
// map factor at the inverse-projected latitude (the long way) to 1e-13
// relative, on the HRRR grid of the shared met, on a southern-hemisphere
// grid and on a wide 40 km grid, across and beyond each grid.
func TestUnitMetresClosedForm(t *testing.T) {
	hdrs := []arlHeader{
		// the shared HRRR crop (arl-format.md §8.1)
		{RefLat: 38.5, RefLon: -97.5, GridSize: 3, TangLat: 38.5, SyncX: 1, SyncY: 1, SyncLat: 40.1015, SyncLon: -112.91, NX: 59, NY: 41},
		// southern hemisphere (n < 0)
		{RefLat: -35, RefLon: 145, GridSize: 12, TangLat: -35, SyncX: 1, SyncY: 1, SyncLat: -45, SyncLon: 130, NX: 200, NY: 150},
		// a continental 40 km grid
		{RefLat: 25, RefLon: -95, GridSize: 40, TangLat: 25, SyncX: 1, SyncY: 1, SyncLat: 16.28, SyncLon: -126.14, NX: 185, NY: 129},
	}
	for _, h := range hdrs {
		g, err := newLambertGrid(&h)
		if err != nil {
			t.Fatal(err)
		}
		worst := 0.0
		for i := -10; i <= h.NX+10; i += 3 {
			for j := -10; j <= h.NY+10; j += 3 {
				x, y := float64(i)+0.37, float64(j)+0.61
				dx, dy := g.UnitMetres(x, y)
				want := g.unitMetresViaLatLon(x, y)
				if dx != dy {
					t.Fatalf("dx %g != dy %g", dx, dy)
				}
				worst = math.Max(worst, math.Abs(dx/want-1))
			}
		}
		t.Logf("tangent latitude %g: worst relative difference %.3g", h.TangLat, worst)
		if worst > 1e-13 {
			t.Errorf("tangent latitude %g: closed form differs from the long way by %.3g relative", h.TangLat, worst)
		}
	}
}

func BenchmarkUnitMetres(b *testing.B) {
	h := arlHeader{RefLat: 38.5, RefLon: -97.5, GridSize: 3, TangLat: 38.5, SyncX: 1, SyncY: 1, SyncLat: 40.1015, SyncLon: -112.91, NX: 59, NY: 41}
	g, _ := newLambertGrid(&h)
	s := 0.0
	for i := 0; i < b.N; i++ {
		d, _ := g.UnitMetres(30+float64(i%7), 20)
		s += d
	}
	_ = s
}

func BenchmarkUnitMetresViaLatLon(b *testing.B) {
	h := arlHeader{RefLat: 38.5, RefLon: -97.5, GridSize: 3, TangLat: 38.5, SyncX: 1, SyncY: 1, SyncLat: 40.1015, SyncLon: -112.91, NX: 59, NY: 41}
	g, _ := newLambertGrid(&h)
	s := 0.0
	for i := 0; i < b.N; i++ {
		s += g.unitMetresViaLatLon(30+float64(i%7), 20)
	}
	_ = s
}

// TestLevelNear: the hinted level search gives levelBelow's level for
// every hint, height and level set (HYSPLIT's internal levels).
func TestLevelNear(t *testing.T) {
	h := InternalLevels(25000)
	for hint := -1; hint <= len(h); hint++ {
		for z := -5.0; z < h[len(h)-1]+100; z += 0.37 * (1 + z/500) {
			if got, want := levelNear(h, z, hint), levelBelow(h, z); got != want {
				t.Fatalf("zeta %g hint %d: %d, levelBelow %d", z, hint, got, want)
			}
		}
		for _, z := range h { // exactly on a level
			if got, want := levelNear(h, z, hint), levelBelow(h, z); got != want {
				t.Fatalf("zeta %g (a level) hint %d: %d, levelBelow %d", z, hint, got, want)
			}
		}
	}
}
