package footprint

import (
	"math"
	"sort"

	"github.com/stilt-mpi/stilt-mpi/particle"
)

// densifyTimes returns the 311 early target times of §3.2 times sign.
func densifyTimes(sign float64) []float64 {
	t := make([]float64, 0, 311)
	for k := 0; k <= 100; k++ {
		t = append(t, float64(k)/10*sign)
	}
	for k := 102; k <= 200; k += 2 {
		t = append(t, float64(k)/10*sign)
	}
	for k := 205; k <= 1000; k += 5 {
		t = append(t, float64(k)/10*sign)
	}
	return t
}

// needDensify decides §3.1 on the (possibly wrapped) degree coordinates.
func needDensify(r rows, xres, yres float64) bool {
	byP := map[float64][]int{}
	var order []float64
	for i, t := range r.t {
		if math.Abs(t) < 100 {
			if _, ok := byP[r.indx[i]]; !ok {
				order = append(order, r.indx[i])
			}
			byP[r.indx[i]] = append(byP[r.indx[i]], i)
		}
	}
	var medX, medY []float64
	for _, p := range order {
		ix := byP[p]
		sort.SliceStable(ix, func(a, b int) bool { return r.t[ix[a]] < r.t[ix[b]] })
		var dx, dy []float64
		for k := 1; k < len(ix); k++ {
			if d := math.Abs(r.x[ix[k]] - r.x[ix[k-1]]); !math.IsNaN(d) {
				dx = append(dx, d)
			}
			if d := math.Abs(r.y[ix[k]] - r.y[ix[k-1]]); !math.IsNaN(d) {
				dy = append(dy, d)
			}
		}
		if m := median(dx); !math.IsNaN(m) {
			medX = append(medX, m)
		}
		if m := median(dy); !math.IsNaN(m) {
			medY = append(medY, m)
		}
	}
	dxm, dym := median(medX), median(medY)
	return dxm > xres || dym > yres
}

// densify applies §3 to r. Inserted rows carry NaN in every column but
// indx, time, long, lati and foot, so they survive the NaN drop only when
// the table has no other columns (the R-STILT quirk).
func densify(tab *particle.Table, r rows, xres, yres, sign float64) rows {
	if !needDensify(r, xres, yres) {
		return r
	}
	n := len(r.t)
	// Window sums before any change.
	var old [3]float64
	for i, t := range r.t {
		if w := window(t); w >= 0 && !math.IsNaN(r.foot[i]) {
			old[w] += r.foot[i]
		}
	}
	// Rows with a NaN in any column are dropped by na.omit.
	bad := make([]bool, n)
	extra := false
	for _, name := range tab.Names() {
		switch name {
		case "indx", "time", "long", "lati", "foot":
			continue
		}
		extra = true
		for i, v := range tab.Col(name) {
			if math.IsNaN(v) {
				bad[i] = true
			}
		}
	}
	if extra && unchangedByDensify(r, bad) {
		// Every inserted row is dropped (NaN columns), no original row has a
		// NaN, times are already on the 0.1 grid and each particle's times
		// are distinct: the result is the same rows, in another order, with
		// window sums unchanged (rescale factors exactly 1). Skip the copy.
		return r
	}
	target := densifyTimes(sign)
	byP := map[float64][]int{}
	var order []float64
	for i, p := range r.indx {
		if _, ok := byP[p]; !ok {
			order = append(order, p)
		}
		byP[p] = append(byP[p], i)
	}
	var out rows
	grow := n
	if !extra {
		grow += len(order) * len(target)
	}
	out.indx = make([]float64, 0, grow)
	out.t = make([]float64, 0, grow)
	out.x = make([]float64, 0, grow)
	out.y = make([]float64, 0, grow)
	out.foot = make([]float64, 0, grow)
	push := func(p, t, x, y, f float64) {
		if math.IsNaN(p) || math.IsNaN(t) || math.IsNaN(x) || math.IsNaN(y) || math.IsNaN(f) {
			return
		}
		out.indx = append(out.indx, p)
		out.t = append(out.t, t)
		out.x = append(out.x, x)
		out.y = append(out.y, y)
		out.foot = append(out.foot, f)
	}
	for _, p := range order {
		ix := byP[p]
		sort.SliceStable(ix, func(a, b int) bool { return r.t[ix[a]] < r.t[ix[b]] })
		// Knots: the particle's distinct times (first row of each).
		var kt, kx, ky, kf []float64
		for k, i := range ix {
			if k > 0 && r.t[i] == r.t[ix[k-1]] {
				continue
			}
			kt = append(kt, r.t[i])
			kx = append(kx, r.x[i])
			ky = append(ky, r.y[i])
			kf = append(kf, r.foot[i])
		}
		own := map[float64]bool{}
		for _, i := range ix {
			own[r.t[i]] = true
			if bad[i] {
				continue
			}
			push(p, r.t[i], interp(kt, kx, r.t[i]), interp(kt, ky, r.t[i]), interp(kt, kf, r.t[i]))
		}
		if extra {
			continue // inserted rows have NaN columns: na.omit drops them
		}
		for _, t := range target {
			if own[t] {
				continue
			}
			push(p, t, interp(kt, kx, t), interp(kt, ky, t), interp(kt, kf, t))
		}
	}
	// Round time to 0.1 and rescale each window to its old sum.
	var s [3]float64
	for i, t := range out.t {
		out.t[i] = math.RoundToEven(t*10) / 10
		if w := window(out.t[i]); w >= 0 {
			s[w] += out.foot[i]
		}
	}
	for i, t := range out.t {
		if w := window(t); w >= 0 && s[w] > 0 {
			out.foot[i] *= old[w] / s[w]
		}
	}
	return out
}

// window returns the rescaling window of a time (§3.3), or -1.
func window(t float64) int {
	a := math.Abs(t)
	switch {
	case a <= 10:
		return 0
	case a <= 20:
		return 1
	case a <= 100:
		return 2
	}
	return -1
}

// interp is numpy's interp with NaN outside [xs[0], xs[-1]] and a constant
// for a single knot.
func interp(xs, ys []float64, x float64) float64 {
	switch len(xs) {
	case 0:
		return math.NaN()
	case 1:
		return ys[0]
	}
	if !(x >= xs[0] && x <= xs[len(xs)-1]) {
		return math.NaN()
	}
	j := sort.SearchFloat64s(xs, x)
	if xs[j] == x {
		return ys[j]
	}
	slope := (ys[j] - ys[j-1]) / (xs[j] - xs[j-1])
	return slope*(x-xs[j-1]) + ys[j-1]
}

// unchangedByDensify reports whether densification with extra columns
// leaves the rows' values unchanged: no row dropped for NaN, every time
// already rounded to 0.1, and each particle's times strictly monotone in
// table order (so distinct; interpolation at a particle's own distinct
// times returns its own values).
func unchangedByDensify(r rows, bad []bool) bool {
	type last struct {
		t   float64
		dir int8
	}
	seen := make(map[float64]last, 1024)
	for i, t := range r.t {
		if bad[i] || math.IsNaN(t) || math.IsNaN(r.x[i]) || math.IsNaN(r.y[i]) || math.IsNaN(r.foot[i]) || math.IsNaN(r.indx[i]) {
			return false
		}
		if math.RoundToEven(t*10)/10 != t {
			return false
		}
		p := r.indx[i]
		l, ok := seen[p]
		if ok {
			var d int8 = 1
			if t < l.t {
				d = -1
			} else if t == l.t {
				return false
			}
			if l.dir != 0 && l.dir != d {
				return false
			}
			l.dir = d
		}
		l.t = t
		seen[p] = l
	}
	return true
}
