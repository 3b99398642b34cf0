package observations

import (
	"strings"
	"testing"
)

// FuzzDecode checks that no observation or profile input makes the readers
// panic (errors are fine).
func FuzzDecode(f *testing.F) {
	f.Add(obsCSV, profCSV)
	f.Add("sensor,species,time,lat,lon,los_start,los_end,los_count\ns,x,201905301200,1,2,0,10,3\n", "id,height,ak\n,1,2\n")
	f.Add("lat,lat\n", "")
	f.Fuzz(func(t *testing.T, obs, prof string) {
		o, err := DecodeCSV(strings.NewReader(obs), "f.csv")
		if err != nil {
			return
		}
		if err := DecodeProfiles(strings.NewReader(prof), "p.csv", o); err != nil {
			return
		}
		for i := range o {
			if o[i].Validate() != nil {
				return
			}
		}
		cs := NewColumnSensor("s")
		cs.Mode = ColumnSlant
		SceneReceptors(o, GroupRule{}, cs)
	})
}
