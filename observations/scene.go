package observations

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"
)

// Scene is a group of observations processed and reported together
// (spec §1.2). Observations are sorted by time.
type Scene struct {
	ID           string
	Sensor       string
	Observations []Observation
	Metadata     map[string]string
}

const sceneTimeLayout = "20060102150405"

// DefaultSceneID is PYSTILT's default id: <sensor>-<YYYYmmddHHMMSS of the
// earliest observation>.
func DefaultSceneID(sensor string, obs []Observation) string {
	if len(obs) == 0 {
		return sensor
	}
	t0 := obs[0].Time
	for _, o := range obs[1:] {
		if o.Time.Before(t0) {
			t0 = o.Time
		}
	}
	return sensor + "-" + t0.UTC().Format(sceneTimeLayout)
}

// NewScene sorts the observations by time (stable) and, when id is empty,
// assigns DefaultSceneID. The sensor is the common sensor of the
// observations, or "mixed".
func NewScene(id string, obs []Observation) Scene {
	o := append([]Observation(nil), obs...)
	sort.SliceStable(o, func(a, b int) bool { return o[a].Time.Before(o[b].Time) })
	sensor := ""
	for i, x := range o {
		if i == 0 {
			sensor = x.Sensor
		} else if x.Sensor != sensor {
			sensor = "mixed"
		}
	}
	if id == "" {
		id = DefaultSceneID(sensor, o)
	}
	return Scene{ID: id, Sensor: sensor, Observations: o, Metadata: map[string]string{}}
}

// ContentHash is the SHA-256 (hex) of the canonical JSON of the scene's
// observations (id, sensor, species, time, position, altitude, value): a
// stable fingerprint, independent of input order, to store beside the id.
func (s Scene) ContentHash() string {
	type rec struct {
		ID      string `json:"id"`
		Sensor  string `json:"sensor"`
		Species string `json:"species"`
		Time    string `json:"time"`
		Lon     string `json:"lon"`
		Lat     string `json:"lat"`
		Alt     string `json:"alt"`
		Value   string `json:"value"`
	}
	f := func(x float64) string {
		if math.IsNaN(x) {
			return ""
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	recs := make([]rec, len(s.Observations))
	for i, o := range s.Observations {
		recs[i] = rec{o.ID, o.Sensor, o.Species, o.Time.UTC().Format(time.RFC3339Nano), f(o.Lon), f(o.Lat), f(o.Altitude), f(o.Value)}
	}
	sort.SliceStable(recs, func(a, b int) bool {
		ja, _ := json.Marshal(recs[a])
		jb, _ := json.Marshal(recs[b])
		return string(ja) < string(jb)
	})
	b, _ := json.Marshal(recs) // cannot fail: strings only
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Grouping kinds of GroupRule.
const (
	GroupSingle   = "single"   // one scene per sensor (PYSTILT's default), id <sensor>-<t0>
	GroupKey      = "key"      // Key function, id <prefix>-<key>
	GroupTimeGap  = "time_gap" // consecutive gap <= MaxGap, id <prefix>-<t0>-g<n>
	GroupSwath    = "swath"    // Geometry.Swath (required), id <prefix>-<swath>
	GroupMetadata = "metadata" // Metadata[Field], id <prefix>-<value>
)

// GroupRule says how GroupScenes groups observations.
type GroupRule struct {
	Kind   string
	Prefix string        // id prefix; default: the common sensor name, else "scene"
	MaxGap time.Duration // GroupTimeGap
	Field  string        // GroupMetadata
	Key    func(Observation) string
}

// GroupScenes groups observations into scenes, ordered by their earliest
// observation (ties by id). Observations within a scene are sorted by time.
// A rule that cannot be applied (missing swath or metadata field, unknown
// kind) is an error naming the observation.
func GroupScenes(obs []Observation, rule GroupRule) ([]Scene, error) {
	if len(obs) == 0 {
		return nil, nil
	}
	prefix := rule.Prefix
	if prefix == "" {
		prefix = NewScene("x", obs).Sensor
		if prefix == "mixed" {
			prefix = "scene"
		}
	}
	var key func(Observation) (string, error)
	switch rule.Kind {
	case GroupSingle, "":
		key = func(o Observation) (string, error) { return o.Sensor, nil }
	case GroupKey:
		if rule.Key == nil {
			return nil, fmt.Errorf("group rule %q needs a key function", rule.Kind)
		}
		key = func(o Observation) (string, error) { return rule.Key(o), nil }
	case GroupSwath:
		key = func(o Observation) (string, error) {
			if o.Geometry.Swath == "" {
				return "", fmt.Errorf("%s: grouping by swath needs geometry.swath", o.where())
			}
			return o.Geometry.Swath, nil
		}
	case GroupMetadata:
		if rule.Field == "" {
			return nil, fmt.Errorf("group rule %q needs a field", rule.Kind)
		}
		key = func(o Observation) (string, error) {
			v, ok := o.Metadata[rule.Field]
			if !ok {
				return "", fmt.Errorf("%s: grouping by metadata needs field %q", o.where(), rule.Field)
			}
			return v, nil
		}
	case GroupTimeGap:
		if rule.MaxGap < 0 {
			return nil, fmt.Errorf("group rule %q: max gap %v is negative", rule.Kind, rule.MaxGap)
		}
		return groupByGap(obs, prefix, rule.MaxGap), nil
	default:
		return nil, fmt.Errorf("unknown group rule %q (expected %s, %s, %s, %s or %s)", rule.Kind,
			GroupSingle, GroupKey, GroupTimeGap, GroupSwath, GroupMetadata)
	}
	groups := map[string][]Observation{}
	var order []string
	for _, o := range obs {
		k, err := key(o)
		if err != nil {
			return nil, err
		}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], o)
	}
	scenes := make([]Scene, 0, len(order))
	for _, k := range order {
		id := prefix + "-" + k
		if rule.Kind == GroupSingle || rule.Kind == "" {
			id = "" // DefaultSceneID
		}
		s := NewScene(id, groups[k])
		s.Metadata["group_key"] = k
		scenes = append(scenes, s)
	}
	sortScenes(scenes)
	return scenes, nil
}

func sortScenes(s []Scene) {
	sort.SliceStable(s, func(a, b int) bool {
		ta, tb := s[a].Observations[0].Time, s[b].Observations[0].Time
		if !ta.Equal(tb) {
			return ta.Before(tb)
		}
		return s[a].ID < s[b].ID
	})
}

func groupByGap(obs []Observation, prefix string, gap time.Duration) []Scene {
	all := NewScene("x", obs).Observations // time-sorted copy
	var scenes []Scene
	start := 0
	flush := func(end int) {
		g := all[start:end]
		id := fmt.Sprintf("%s-%s-g%d", prefix, g[0].Time.UTC().Format(sceneTimeLayout), len(scenes))
		scenes = append(scenes, NewScene(id, g))
	}
	for i := 1; i < len(all); i++ {
		if all[i].Time.Sub(all[i-1].Time) > gap {
			flush(i)
			start = i
		}
	}
	flush(len(all))
	return scenes
}
