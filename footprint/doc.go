// Package footprint turns a particle table into a gridded STILT footprint
// with R-STILT's calc_footprint semantics (spec/footprint.md): early-time
// densification, release-relative time, per-step Gaussian bandwidth, grid
// registration, buffered domain filter, hourly or time-integrated layers
// on a sparse time axis, antimeridian wrapping, projected grids and
// normalisation by the number of distinct particles. It also applies the
// hyper-near-field plume dilution (HNF) to particle tables, holds the
// result as a Grid value with a compact deterministic binary encoding, and
// writes it as a CF-1.8 netCDF-4 file.
//
// The smoothing is a scatter-add of each particle step's separable kernel
// onto the cells within three bandwidths, never a dense convolution of the
// whole grid; memory is bounded by the output grid.
package footprint
