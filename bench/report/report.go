package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/stilt-mpi/stilt-mpi/internal/atomicfile"
)

// Record is one bench job's result (bench-n<N>.json).
type Record struct {
	JobID        string    `json:"job_id"`
	Nodes        int       `json:"nodes"`
	Ranks        int       `json:"ranks"`
	CPUsPerTask  int       `json:"cpus_per_task,omitempty"`
	Simulations  *int      `json:"simulations"` // completed simulations; nil = unknown
	Failed       *int      `json:"failed,omitempty"`
	WallSeconds  float64   `json:"wall_s"`
	ExitCode     int       `json:"exit_code"`
	Start        time.Time `json:"start"`
	End          time.Time `json:"end"`
	IdleFraction *float64  `json:"idle_fraction,omitempty"`
}

// Stats is what the runner may write to $STILT_STATS_FILE.
type Stats struct {
	Simulations  *int     `json:"simulations"`
	Failed       *int     `json:"failed"`
	IdleFraction *float64 `json:"idle_fraction"`
}

// NewRecord builds a record from the bench job's measurements (Unix
// nanoseconds from `date +%s%N`) and, if statsPath names an existing file,
// the runner's statistics. A missing stats file is not an error.
func NewRecord(jobID string, nodes, ranks, cpus int, startNS, endNS int64, exitCode int, statsPath string) (Record, error) {
	if nodes < 1 || ranks < 1 {
		return Record{}, fmt.Errorf("bench record: nodes %d and ranks %d must be >= 1", nodes, ranks)
	}
	if endNS < startNS {
		return Record{}, fmt.Errorf("bench record: end %d ns before start %d ns", endNS, startNS)
	}
	r := Record{
		JobID: jobID, Nodes: nodes, Ranks: ranks, CPUsPerTask: cpus, ExitCode: exitCode,
		WallSeconds: float64(endNS-startNS) / 1e9,
		Start:       time.Unix(0, startNS).UTC(), End: time.Unix(0, endNS).UTC(),
	}
	if statsPath == "" {
		return r, nil
	}
	data, err := os.ReadFile(statsPath)
	if errors.Is(err, os.ErrNotExist) {
		return r, nil
	}
	if err != nil {
		return r, fmt.Errorf("bench record: stats: %w", err)
	}
	var s Stats
	if err := json.Unmarshal(data, &s); err != nil {
		return r, fmt.Errorf("bench record: stats %s: want a JSON object with simulations, failed, idle_fraction: %w", statsPath, err)
	}
	if s.IdleFraction != nil && (*s.IdleFraction < 0 || *s.IdleFraction > 1 || math.IsNaN(*s.IdleFraction)) {
		return r, fmt.Errorf("bench record: stats %s: idle_fraction %v outside [0, 1]", statsPath, *s.IdleFraction)
	}
	if s.Simulations != nil && *s.Simulations < 0 {
		return r, fmt.Errorf("bench record: stats %s: negative simulations %d", statsPath, *s.Simulations)
	}
	r.Simulations, r.Failed, r.IdleFraction = s.Simulations, s.Failed, s.IdleFraction
	return r, nil
}

// WriteRecord writes r as indented JSON to path atomically (temp + rename).
func WriteRecord(path string, r Record) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, append(data, '\n'), 0o644)
}

// ReadDir reads every bench-n*.json in dir, sorted by ranks then nodes.
func ReadDir(dir string) ([]Record, error) {
	files, err := filepath.Glob(filepath.Join(dir, "bench-n*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("bench report: no bench-n*.json files in %s", dir)
	}
	var recs []Record
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var r Record
		dec := json.NewDecoder(strings.NewReader(string(data)))
		if err := dec.Decode(&r); err != nil {
			return nil, fmt.Errorf("bench report: %s: %w", f, err)
		}
		if r.Nodes < 1 || r.Ranks < 1 || !(r.WallSeconds > 0) {
			return nil, fmt.Errorf("bench report: %s: want nodes >= 1, ranks >= 1 and wall_s > 0, got %d, %d, %v", f, r.Nodes, r.Ranks, r.WallSeconds)
		}
		recs = append(recs, r)
	}
	sortRecords(recs)
	return recs, nil
}

func sortRecords(recs []Record) {
	sort.SliceStable(recs, func(i, j int) bool {
		if recs[i].Ranks != recs[j].Ranks {
			return recs[i].Ranks < recs[j].Ranks
		}
		return recs[i].Nodes < recs[j].Nodes
	})
}

// Row is a record with the derived scaling figures.
type Row struct {
	Record
	SimsPerHour float64 // NaN when the simulation count is unknown
	Speedup     float64 // relative to the run with the fewest ranks
	Efficiency  float64 // Speedup / (ranks / baseline ranks)
}

// Analyze derives throughput, speedup and parallel efficiency. The baseline
// is the run with the fewest ranks. When every run knows its simulation
// count (> 0), speedup is the ratio of throughputs (simulations per hour),
// which stays right when runs completed different amounts of work;
// otherwise it is baseline wall time / wall time (same work assumed).
func Analyze(recs []Record) ([]Row, error) {
	if len(recs) == 0 {
		return nil, errors.New("bench report: no records")
	}
	recs = append([]Record(nil), recs...)
	sortRecords(recs)
	byThroughput := true
	for _, r := range recs {
		if !(r.WallSeconds > 0) {
			return nil, fmt.Errorf("bench report: job %s (%d nodes): wall_s %v must be > 0", r.JobID, r.Nodes, r.WallSeconds)
		}
		if r.Ranks < 1 {
			return nil, fmt.Errorf("bench report: job %s (%d nodes): ranks %d must be >= 1", r.JobID, r.Nodes, r.Ranks)
		}
		if r.Simulations == nil || *r.Simulations <= 0 {
			byThroughput = false
		}
	}
	rows := make([]Row, len(recs))
	for i, r := range recs {
		rows[i] = Row{Record: r, SimsPerHour: math.NaN()}
		if r.Simulations != nil {
			rows[i].SimsPerHour = float64(*r.Simulations) / r.WallSeconds * 3600
		}
	}
	base := rows[0]
	for i := range rows {
		if byThroughput {
			rows[i].Speedup = rows[i].SimsPerHour / base.SimsPerHour
		} else {
			rows[i].Speedup = base.WallSeconds / rows[i].WallSeconds
		}
		rows[i].Efficiency = rows[i].Speedup / (float64(rows[i].Ranks) / float64(base.Ranks))
	}
	return rows, nil
}

// WriteTable prints rows as an aligned text table.
func WriteTable(w io.Writer, rows []Row) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "nodes\tranks\tsimulations\twall s\tsims/hour\tspeedup\tefficiency\tidle\texit\t")
	for _, r := range rows {
		sims, sph, idle := "-", "-", "-"
		if r.Simulations != nil {
			sims = fmt.Sprint(*r.Simulations)
			sph = fmt.Sprintf("%.1f", r.SimsPerHour)
		}
		if r.IdleFraction != nil {
			idle = fmt.Sprintf("%.3f", *r.IdleFraction)
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%.2f\t%s\t%.3f\t%.3f\t%s\t%d\t\n",
			r.Nodes, r.Ranks, sims, r.WallSeconds, sph, r.Speedup, r.Efficiency, idle, r.ExitCode)
	}
	return tw.Flush()
}
