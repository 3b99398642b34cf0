package observations

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/stilt-mpi/stilt-mpi/netcdf"
)

// ncNotVar is libnetcdf's NC_ENOTVAR.
const ncNotVar = -49

// ncSource adapts a netcdf.File to SoundingSource.
type ncSource struct{ f *netcdf.File }

func (s ncSource) Path() string { return s.f.Path() }

func (s ncSource) Floats(name string) ([]float64, []int, bool, error) {
	v, err := s.f.Var(name)
	if err != nil {
		var ne *netcdf.Error
		if errors.As(err, &ne) && ne.Code == ncNotVar {
			return nil, nil, false, nil
		}
		return nil, nil, false, err
	}
	info, err := v.Info()
	if err != nil {
		return nil, nil, false, err
	}
	if info.Type == netcdf.Char {
		return nil, nil, false, fmt.Errorf("is text, expected numbers")
	}
	n := 1
	for _, d := range info.Shape {
		n *= d
	}
	vals := make([]float64, n)
	start := make([]int, len(info.Shape))
	if n > 0 {
		if err := v.GetFloat64s(start, info.Shape, vals); err != nil {
			return nil, nil, false, err
		}
	}
	for _, att := range []string{"_FillValue", "missing_value"} {
		if !v.HasAttr(att) {
			continue
		}
		fv, err := v.AttrFloat64s(att)
		if err != nil || len(fv) == 0 {
			continue
		}
		for i, x := range vals {
			if x == fv[0] {
				vals[i] = math.NaN()
			}
		}
	}
	if info.Type == netcdf.Float {
		// Shortest decimal that reads back to the same float32, so that
		// 179.99f is 179.99, not 179.99000549316406.
		for i, x := range vals {
			if !math.IsNaN(x) {
				vals[i], _ = strconv.ParseFloat(strconv.FormatFloat(x, 'g', -1, 32), 64)
			}
		}
	}
	return vals, info.Shape, true, nil
}

func (s ncSource) Attr(varName, attr string) (string, bool) {
	v, err := s.f.Var(varName)
	if err != nil || !v.HasAttr(attr) {
		return "", false
	}
	t, err := v.AttrText(attr)
	if err != nil {
		return "", false
	}
	return t, true
}

// LoadSoundingsFile opens a netCDF file of soundings and reads it with
// LoadSoundings.
func LoadSoundingsFile(path, sensor, species, mode string, vars SoundingVars) ([]Observation, error) {
	f, err := netcdf.Open(path, false)
	if err != nil {
		return nil, fmt.Errorf("observations: %w", err)
	}
	defer f.Close()
	return LoadSoundings(ncSource{f}, sensor, species, mode, vars)
}
