// Package footprint turns a particle table into a gridded STILT footprint
// with R-STILT's calc_footprint semantics (spec/footprint.md): early-time
// densification, release-relative time, per-step Gaussian bandwidth, grid
// registration, buffered domain filter, hourly or time-integrated layers
// on a sparse time axis, antimeridian wrapping, projected grids (PROJ
// strings for longlat, lcc, merc, stere, tmerc and utm, implemented in Go)
// and normalisation by the number of distinct particles. It also applies the
// hyper-near-field plume dilution (HNF) to particle tables, holds the
// result as a Grid value with a compact deterministic binary encoding, and
// writes it as a CF-1.8 netCDF-4 file.
//
// The smoothing is a scatter-add of each particle step's separable kernel
// onto the cells within three bandwidths, never a dense convolution of the
// whole grid; memory is bounded by the output grid.
//
// Entry points: Compute (particle table → Grid), HNF (particle table →
// diluted particle table), Grid.WriteNetCDF / ReadNetCDF, and
// Grid.MarshalBinary / UnmarshalBinary for MPI messages and registry blobs.
//
// Deliberate differences from R-STILT: non-square cells (xres != yres)
// are smoothed with the kernel the spec describes (R-STILT's Fortran step
// swaps the axes there); an empty footprint is an all-zero Grid with an
// EmptyReason instead of no result.
package footprint
