// Package particle holds the particle table: the per-particle, per-time-step
// output of a transport engine (hycs_std's PARTICLE_STILT.DAT or the native
// engine), stored column-wise as float64 slices addressed by R-STILT's column
// names (time, indx, long, lati, zagl, foot, mlht, pres, dens, samt, sigw,
// tlgr, ...). It also reads and writes tables (CSV here; PARTICLE_STILT.DAT
// and parquet where those formats are implemented).
//
// Conventions: time is minutes since release (negative for backward runs),
// indx is the particle number 1..numpar, longitudes in degrees east.
package particle
