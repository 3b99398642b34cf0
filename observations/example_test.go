package observations_test

import (
	"fmt"
	"os"

	"github.com/stilt-mpi/stilt-mpi/observations"
	"github.com/stilt-mpi/stilt-mpi/particle"
)

// Example shows the column workflow: load soundings with their profiles,
// group them into scenes, build receptors, then weight one simulation's
// particle table before the footprint.
func Example() {
	obs, err := observations.Load("testdata/oco2_obs.csv", "testdata/oco2_profiles.csv")
	if err != nil {
		fmt.Println(err)
		return
	}
	scenes, err := observations.GroupScenes(obs, observations.GroupRule{Kind: observations.GroupSingle})
	if err != nil {
		fmt.Println(err)
		return
	}
	sensor := observations.NewColumnSensor("oco2") // vertical 0–3000 m AGL
	recs, err := sensor.Receptors(scenes[0])
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := observations.WriteReceptorCSV(os.Stdout, recs[:1]); err != nil {
		fmt.Println(err)
	}

	// One simulation's particles (normally from the transport engine):
	// two particles released at 840 and 700 hPa.
	tab := particle.MustNew([]string{"time", "indx", "pres", "foot"}, 4)
	for _, r := range [][]float64{{-1, 1, 840, 0.01}, {-1, 2, 700, 0.02}, {-2, 1, 835, 0.01}, {-2, 2, 695, 0.02}} {
		tab.AppendRow(r)
	}
	specs, err := observations.ParseTransforms([]map[string]any{
		{"kind": "vertical"}, // mode ak_pwf from the observation's operator_mode
		{"kind": "decay", "lifetime_hours": 24.0},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	env := observations.TransformEnv{} // no met: dry air, psurf from the retrieval
	if err := observations.ApplyTransforms(tab, specs, &scenes[0].Observations[0], env); err != nil {
		fmt.Println(err)
		return
	}
	// By hand: dp = 850.3 − 840 hPa; PWF = dp·100/(g·M) / (850.3·100/(g·M) − 11.8/0.018)
	// = 0.012140; AK(840) = 0.9 + 240/250.3·0.1 = 0.995889; foot = 0.01·AK·PWF·N·exp(−1/1440).
	fmt.Printf("N = %s, weighted foot of particle 1 at -1 min: %.6f\n", tab.Meta["stilt:operator_n"], tab.Col("foot")[0])
	// Output:
	// r_idx,time,longitude,latitude,altitude,altitude_ref,scene
	// 1,2019-05-30 20:15:02,-111.85,40.77,0,agl,oco2-20190530201502
	// 1,2019-05-30 20:15:02,-111.85,40.77,3000,agl,oco2-20190530201502
	// N = 2, weighted foot of particle 1 at -1 min: 0.000242
}
