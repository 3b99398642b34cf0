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
//
// Entry points:
//   - Open / OpenDataset: File and Dataset (several files chained in time) with
//     Times, Step, Grid, Vertical, Read, ReadInto, ReadRegion, ReadCorrected
//     (adds DIF* records), Read3D and Snapshot (all fields of one time).
//   - Grid: LatLonToXY, XYToLatLon, MapFactor, CellSize, ToEarth / ToGrid
//     (grid-relative ↔ earth-relative winds) for lat-lon, Lambert, polar
//     stereographic and Mercator grids on a 6371.2 km sphere.
//   - Vertical: Pressure, HeightsAGL (one column), HeightField (a snapshot).
//   - Create / Writer, Pack / Unpack / UnpackRegion, Checksum.
//   - Synth and SynthSpec: synthetic data sets and their analytic fields.
//   - CropFile / Crop: sub-grid, lowest levels and time window.
//   - FindByPattern (file names, PYSTILT rules) and ScanHeaders +
//     Catalog.Select (ARL headers, JSON cache).
package met
