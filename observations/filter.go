package observations

import "time"

// Filter selects observations by exact matches (spec §1.5); zero fields do
// not filter. Order is kept.
type Filter struct {
	Sensor, Species string
	IDs             []string
	Start, End      time.Time         // inclusive bounds; zero = open
	Metadata        map[string]string // every key must match exactly
	Quality         map[string]string // e.g. {"qf": "0"} (OCO), every key must match
	Keep            func(Observation) bool
}

// Apply returns the observations that pass every condition.
func (f Filter) Apply(obs []Observation) []Observation {
	ids := map[string]bool{}
	for _, id := range f.IDs {
		ids[id] = true
	}
	var out []Observation
next:
	for _, o := range obs {
		switch {
		case f.Sensor != "" && o.Sensor != f.Sensor,
			f.Species != "" && o.Species != f.Species,
			len(ids) > 0 && !ids[o.ID],
			!f.Start.IsZero() && o.Time.Before(f.Start),
			!f.End.IsZero() && o.Time.After(f.End):
			continue
		}
		for k, v := range f.Metadata {
			if got, ok := o.Metadata[k]; !ok || got != v {
				continue next
			}
		}
		for k, v := range f.Quality {
			if got, ok := o.Quality[k]; !ok || got != v {
				continue next
			}
		}
		if f.Keep != nil && !f.Keep(o) {
			continue
		}
		out = append(out, o)
	}
	return out
}
