//go:build !netcdf

package observations

import "fmt"

// LoadSoundingsFile needs the netcdf binding; this build has none (see
// soundings_netcdf.go).
func LoadSoundingsFile(path, sensor, species, mode string, vars SoundingVars) ([]Observation, error) {
	return nil, fmt.Errorf("%s: reading netCDF soundings needs a build with the netcdf binding (-tags netcdf)", path)
}
