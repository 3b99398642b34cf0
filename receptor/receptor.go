package receptor

import "time"

// Kind is the geometry of a receptor.
type Kind int

const (
	Point      Kind = iota // one release point
	Column                 // vertical line source between Bottom and Top
	MultiPoint             // several release points released together
)

func (k Kind) String() string {
	switch k {
	case Point:
		return "point"
	case Column:
		return "column"
	case MultiPoint:
		return "multipoint"
	}
	return "unknown"
}

// Receptor is one place and time from which particles are released.
//
// For a Point, Lons/Lats/Heights have one element. For a Column they have two
// elements with equal lon/lat: bottom then top (as written to CONTROL). For a
// MultiPoint they have one element per release point in input order.
type Receptor struct {
	Kind    Kind
	Time    time.Time // UTC
	Lons    []float64
	Lats    []float64
	Heights []float64
	MSL     bool   // heights are metres above sea level (KMSL=1); default AGL
	Scene   string // optional scene id from the CSV "scene" column
	Line    int    // first CSV line of this receptor (for error messages), 0 if unknown
}

// NumPoints returns the number of CONTROL release lines.
func (r *Receptor) NumPoints() int { return len(r.Lons) }

// Lon, Lat return the nominal position (first point).
func (r *Receptor) Lon() float64 { return r.Lons[0] }
func (r *Receptor) Lat() float64 { return r.Lats[0] }

// Bottom and Top return the vertical extent (for a point both are its height).
func (r *Receptor) Bottom() float64 {
	m := r.Heights[0]
	for _, h := range r.Heights {
		if h < m {
			m = h
		}
	}
	return m
}

func (r *Receptor) Top() float64 {
	m := r.Heights[0]
	for _, h := range r.Heights {
		if h > m {
			m = h
		}
	}
	return m
}
