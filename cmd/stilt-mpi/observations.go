package main

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/stilt-mpi/stilt-mpi/observations"
)

func init() {
	obsCmd := &cobra.Command{
		Use:   "observations",
		Short: "inspect observations: scenes and the receptors they produce",
	}
	var (
		profiles, mode, path, out, group, field string
		bottom, top, step, modelTop, height     float64
		maxGap, ncSensor, ncSpecies, ncMode     string
	)
	recCmd := &cobra.Command{
		Use:   "receptors OBS.csv|SOUNDINGS.nc",
		Short: "write the receptor CSV (r_idx,time,longitude,latitude,altitude,altitude_ref,scene) the observations produce",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var obs []observations.Observation
			var err error
			if strings.HasSuffix(strings.ToLower(args[0]), ".nc") {
				obs, err = observations.LoadSoundingsFile(args[0], ncSensor, ncSpecies, ncMode, observations.OCO2LiteVars)
			} else {
				obs, err = observations.Load(args[0], profiles)
			}
			if err != nil {
				return badInput(err)
			}
			rule := observations.GroupRule{Kind: group, Field: field}
			if maxGap != "" {
				d, err := time.ParseDuration(maxGap)
				if err != nil {
					return badInput(fmt.Errorf("--max-gap: %w", err))
				}
				rule.MaxGap = d
			}
			var sensor observations.Sensor
			switch mode {
			case "point":
				sensor = observations.PointSensor{SensorName: "point", DefaultHeight: height}
			case observations.ColumnVertical, observations.ColumnSlant:
				cs := observations.NewColumnSensor("column")
				cs.Mode, cs.Bottom, cs.Top, cs.Step, cs.ModelTop, cs.Path = mode, bottom, top, step, modelTop, path
				sensor = cs
			default:
				return badInput(fmt.Errorf("--mode %q: expected point, vertical or slant", mode))
			}
			recs, _, err := observations.SceneReceptors(obs, rule, sensor)
			if err != nil {
				return badInput(err)
			}
			if out == "" || out == "-" {
				return observations.WriteReceptorCSV(cmd.OutOrStdout(), recs)
			}
			return observations.WriteReceptorCSVFile(out, recs)
		},
	}
	f := recCmd.Flags()
	f.StringVar(&profiles, "profiles", "", "companion CSV of per-observation operator profiles")
	f.StringVar(&mode, "mode", "vertical", "receptor kind: point, vertical (column) or slant (line of sight)")
	f.StringVar(&path, "path", observations.PathViewing, "slant path: viewing (instrument) or solar")
	f.Float64Var(&bottom, "bottom", 0, "column bottom, m AGL")
	f.Float64Var(&top, "top", 3000, "column top, m AGL")
	f.Float64Var(&step, "step", 100, "slant height step, m")
	f.Float64Var(&modelTop, "model-top", 0, "clip slant points above this height, m (0: no clip)")
	f.Float64Var(&height, "height", math.NaN(), "point height, m AGL (default: the observation altitude)")
	f.StringVar(&group, "group", observations.GroupSingle, "scene grouping: single, time_gap, swath or metadata")
	f.StringVar(&maxGap, "max-gap", "", "time_gap grouping: largest gap inside a scene (e.g. 10m)")
	f.StringVar(&field, "field", "", "metadata grouping: the metadata column")
	f.StringVar(&ncSensor, "sensor", "oco2", "netCDF soundings (*.nc, OCO-2 Lite names): sensor name")
	f.StringVar(&ncSpecies, "species", "xco2", "netCDF soundings: species")
	f.StringVar(&ncMode, "operator-mode", observations.ModeAKPWF, "netCDF soundings: vertical-operator mode")
	f.StringVarP(&out, "output", "o", "", "output CSV (default: standard output)")
	obsCmd.AddCommand(recCmd)
	rootCmd.AddCommand(obsCmd)
}
