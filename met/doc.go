// Package met reads, writes, crops, synthesises and discovers NOAA ARL packed
// meteorology (the format HYSPLIT-STILT reads), and maps between latitude /
// longitude and ARL grid coordinates.
//
// Its one job is to turn ARL files into plain float32 fields on a known grid
// (and back), so that the transport engines never touch bytes.
//
// Conventions used throughout:
//   - Grid coordinates (x, y) are 1-based as in HYSPLIT: grid point (1,1) is the
//     first value of a record, x grows east along a row, y grows north.
//   - Field.Data is row-major, x fastest: value of grid point (x, y) is
//     Data[(y-1)*Nx + (x-1)].
//   - Level 0 is the surface; upper levels are 1 … NZ-1 as in the index record.
//   - Times are UTC time.Time values.
//
// A *File is immutable after Open and safe for concurrent readers: records are
// read with ReadAt at offsets computed from the index.
package met
