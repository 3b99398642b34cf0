package transport

import (
	"bufio"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/stilt-mpi/stilt-mpi/internal/atomicfile"
	"github.com/stilt-mpi/stilt-mpi/particle"
	"github.com/stilt-mpi/stilt-mpi/receptor"
)

// refData holds reference hycs_std statistics made in this project
// (refdata/README.md): the KRAND=4 ensemble of receptor A.
//
//go:embed refdata
var refData embed.FS

// Control is what the validation needs from a HYSPLIT CONTROL file: the
// release points, the run length, vertical motion option, model top and the
// met file names.
type Control struct {
	Time           time.Time
	Lats, Lons, Zs []float64 // every release point, in order (at least one)
	NHours         int       // run length, negative backward
	VertMotion     int       // 0: the data's vertical velocity
	ZTop           float64   // model top (m AGL)
	MetFiles       []string
}

// Receptor is the release of the run: one point, a column (two points at one
// place) or several points, as receptor.FromPoints reads them.
func (c *Control) Receptor() receptor.Receptor {
	return receptor.FromPoints(c.Time, c.Lons, c.Lats, c.Zs, false)
}

// ReadControl parses a HYSPLIT CONTROL file.
func ReadControl(path string) (*Control, error) {
	return readControl(os.DirFS(filepath.Dir(path)), filepath.Base(path))
}

func readControl(fsys fs.FS, name string) (*Control, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, strings.TrimSpace(sc.Text()))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(lines) < 3 {
		return nil, fmt.Errorf("%s: %d lines, too short for a CONTROL file", name, len(lines))
	}
	c := &Control{}
	tf := strings.Fields(lines[0])
	if len(tf) == 4 {
		tf = append(tf, "00")
	}
	if len(tf) != 5 {
		return nil, fmt.Errorf("%s line 1: start time %q: expected \"YY MM DD HH [MM]\"", name, lines[0])
	}
	c.Time, err = time.Parse("06 01 02 15 04", strings.Join(tf, " "))
	if err != nil {
		return nil, fmt.Errorf("%s line 1: start time %q: %w", name, lines[0], err)
	}
	nloc, err := strconv.Atoi(lines[1])
	if err != nil || nloc < 1 {
		return nil, fmt.Errorf("%s line 2: number of locations %q: expected a positive integer", name, lines[1])
	}
	if len(lines) < 2+nloc+4 {
		return nil, fmt.Errorf("%s: truncated before the met file count", name)
	}
	for k := 0; k < nloc; k++ {
		pf := strings.Fields(lines[2+k])
		if len(pf) < 3 {
			return nil, fmt.Errorf("%s line %d: release point %q: expected \"lat lon height\"", name, 3+k, lines[2+k])
		}
		var v [3]float64
		for i := range v {
			if v[i], err = strconv.ParseFloat(pf[i], 64); err != nil {
				return nil, fmt.Errorf("%s line %d: release point %q: field %d is not a number", name, 3+k, lines[2+k], i+1)
			}
		}
		c.Lats, c.Lons, c.Zs = append(c.Lats, v[0]), append(c.Lons, v[1]), append(c.Zs, v[2])
	}
	i := 2 + nloc
	if c.NHours, err = strconv.Atoi(lines[i]); err != nil {
		return nil, fmt.Errorf("%s line %d: run hours %q: expected an integer", name, i+1, lines[i])
	}
	if c.VertMotion, err = strconv.Atoi(lines[i+1]); err != nil {
		return nil, fmt.Errorf("%s line %d: vertical motion option %q: expected an integer", name, i+2, lines[i+1])
	}
	if c.ZTop, err = strconv.ParseFloat(lines[i+2], 64); err != nil {
		return nil, fmt.Errorf("%s line %d: model top %q: expected a number (m)", name, i+3, lines[i+2])
	}
	i += 3
	nf, err := strconv.Atoi(lines[i])
	if err != nil || nf < 1 {
		return nil, fmt.Errorf("%s line %d: number of met files %q: expected a positive integer", name, i+1, lines[i])
	}
	for k := 0; k < nf; k++ {
		j := i + 2 + 2*k
		if j >= len(lines) {
			return nil, fmt.Errorf("%s: met file %d of %d missing", name, k+1, nf)
		}
		c.MetFiles = append(c.MetFiles, lines[j])
	}
	return c, nil
}

// MemberInfo describes a hycs_std run whose statistics WriteMemberStats
// writes.
type MemberInfo struct {
	Run     string // name, e.g. "K4A_run1"
	KRand   int
	Seed    int // SEED when KRAND=1 or 2, else 0
	NumPar  int
	Control *Control
}

// WriteMemberStats writes hourly_stats.csv, foot_binned.csv and
// summary.json of one hycs_std run into dir, with the definitions of
// ../shared/hysplit-ensemble/README.md, so the run can serve as an ensemble
// member of Validate. Each file is written atomically.
func WriteMemberStats(dir string, tab *particle.Table, info MemberInfo) error {
	if info.Control == nil || info.NumPar <= 0 {
		return fmt.Errorf("member stats: need the run's CONTROL and NUMPAR > 0")
	}
	hours := abs(info.Control.NHours)
	// A run still being written, or stopped early, would give statistics
	// of a shorter run: refuse it. (A run whose every particle left the
	// grid before the end cannot serve as a member either.)
	last := 0.0
	for _, t := range tab.Col("time") {
		last = math.Max(last, math.Abs(t))
	}
	if last < float64(60*hours) {
		return fmt.Errorf("member stats %s: particles end at minute %g of the run's %d (CONTROL): incomplete run (still running, stopped early, or every particle left the grid); statistics not written", info.Run, last, 60*hours)
	}
	hourly, total, b, err := tableStats(tab, info.NumPar, hours)
	if err != nil {
		return err
	}
	var sb strings.Builder
	cols := []string{"n_present", "frac_in_domain", "frac_below_mlht", "zagl_mean", "zagl_median", "zagl_p10", "zagl_p90", "mlht_mean", "sigw_mean", "tlgr_mean", "lon_centroid", "lat_centroid", "foot_hour"}
	sb.WriteString("hour,t_min," + strings.Join(cols, ",") + "\n")
	sign := -1
	if info.Control.NHours > 0 {
		sign = 1
	}
	for h := 1; h <= hours; h++ {
		fmt.Fprintf(&sb, "%d,%d", h, sign*60*h)
		for _, c := range cols {
			sb.WriteString("," + strconv.FormatFloat(hourly[h][c], 'g', 10, 64))
		}
		sb.WriteString("\n")
	}
	if err := atomicfile.Write(filepath.Join(dir, "hourly_stats.csv"), []byte(sb.String()), 0o644); err != nil {
		return err
	}
	sb.Reset()
	sb.WriteString("lon_center,lat_center,value\n")
	var nz int
	var maxCell float64
	for c, v := range b.V {
		if v == 0 {
			continue
		}
		nz++
		maxCell = math.Max(maxCell, v)
		i, j := c%b.NX, c/b.NX
		fmt.Fprintf(&sb, "%.2f,%.2f,%s\n", b.Lon0+(float64(i)+0.5)*b.Res, b.Lat0+(float64(j)+0.5)*b.Res, strconv.FormatFloat(v, 'g', 10, 64))
	}
	if err := atomicfile.Write(filepath.Join(dir, "foot_binned.csv"), []byte(sb.String()), 0o644); err != nil {
		return err
	}
	ctl := info.Control
	sum := map[string]any{
		"run": info.Run, "krand": info.KRand, "numpar": info.NumPar,
		"receptor": map[string]any{"time": ctl.Time.Format("06 01 02 15 04"), "lat": ctl.Lats[0], "lon": ctl.Lons[0], "zagl": ctl.Zs[0], "n_hours": ctl.NHours},
		"n_rows":   tab.Len(), "max_indx": tab.NumParticles(), "total_foot": total, "n_nonzero_cells": nz, "max_cell": maxCell,
		"grid": map[string]any{"lon0": b.Lon0, "lat0": b.Lat0, "res": b.Res, "nx": b.NX, "ny": b.NY},
	}
	if len(ctl.Zs) > 1 {
		// a column or multipoint release: every release point (the
		// receptor entry above is the first, as in the shared ensembles)
		var rel []map[string]float64
		for i := range ctl.Zs {
			rel = append(rel, map[string]float64{"lat": ctl.Lats[i], "lon": ctl.Lons[i], "zagl": ctl.Zs[i]})
		}
		sum["release"] = rel
	}
	if info.Seed != 0 {
		sum["seed"] = info.Seed
	}
	data, err := json.MarshalIndent(sum, "", " ")
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, "summary.json"), append(data, '\n'), 0o644)
}
