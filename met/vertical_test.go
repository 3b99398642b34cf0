package met

import (
	"math"
	"testing"
)

func TestVerticalPressure(t *testing.T) {
	cases := []struct {
		name  string
		v     Vertical
		k     int
		psfc  float64
		want  float64
		isErr bool
	}{
		{"sigma", Vertical{KFlag: KFlagSigma, Levels: []float64{1, 0.999, 0.5}}, 2, 800, 400, false},
		{"pressure", Vertical{KFlag: KFlagPressure, Levels: []float64{0, 1000, 850}}, 2, 800, 850, false},
		{"hybrid", Vertical{KFlag: KFlagHybrid, Levels: []float64{0, 0.95, 50.5}}, 2, 800, 50 + 0.5*800, false},
		{"terrain", Vertical{KFlag: KFlagTerrain, Levels: []float64{0, 10, 50}}, 1, 800, 0, true},
		{"level-0", Vertical{KFlag: KFlagSigma, Levels: []float64{1, 0.9}}, 0, 800, 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.v.Pressure(tc.k, tc.psfc)
			if tc.isErr {
				if err == nil {
					t.Fatalf("no error, got %g", p)
				}
				return
			}
			if err != nil || math.Abs(p-tc.want) > 1e-9 {
				t.Fatalf("pressure %g, %v; want %g", p, err, tc.want)
			}
		})
	}
}

// TestHeightsIsothermal: for an isothermal column the hypsometric heights are
// (Rd/g)·T·ln(psfc/p) exactly.
func TestHeightsIsothermal(t *testing.T) {
	T := 270.0
	v := Vertical{KFlag: KFlagSigma, Levels: []float64{1, 0.99, 0.9, 0.7, 0.5}}
	z, err := v.HeightsAGL(Column{PSfc: 850, Temp: []float64{T, T, T, T}})
	if err != nil {
		t.Fatal(err)
	}
	for k, s := range v.Levels[1:] {
		want := Rd / G0 * T * math.Log(1/s)
		if math.Abs(z[k]-want) > 1e-9 {
			t.Errorf("level %d: %g, want %g", k+1, z[k], want)
		}
	}
	// pressure levels with geopotential heights
	vp := Vertical{KFlag: KFlagPressure, Levels: []float64{0, 1000, 850}}
	z, err = vp.HeightsAGL(Column{ZSfc: 100, Hgts: []float64{150, 1500}})
	if err != nil || z[0] != 50 || z[1] != 1400 {
		t.Errorf("pressure heights %v, %v", z, err)
	}
	// terrain following: scaled by (1 - zsfc/ztop)
	vt := Vertical{KFlag: KFlagTerrain, Levels: []float64{0, 100, 20000}}
	z, err = vt.HeightsAGL(Column{ZSfc: 2000})
	if err != nil || math.Abs(z[0]-90) > 1e-9 || math.Abs(z[1]-18000) > 1e-9 {
		t.Errorf("terrain heights %v, %v", z, err)
	}
	// WRF without pressure is an error; with PRES it is hypsometric
	vw := Vertical{KFlag: KFlagWRF, Levels: []float64{1, 0.99, 0.9}}
	if _, err := vw.HeightsAGL(Column{PSfc: 1000, Temp: []float64{T, T}}); err == nil {
		t.Error("WRF heights without PRES accepted")
	}
	z, err = vw.HeightsAGL(Column{PSfc: 1000, Temp: []float64{T, T}, Pres: []float64{990, 900}})
	if err != nil || math.Abs(z[1]-Rd/G0*T*math.Log(1000.0/900)) > 1e-9 {
		t.Errorf("WRF heights %v, %v", z, err)
	}
}
