// Package netcdf is a thin, documented cgo binding to the C netCDF library
// (libnetcdf, found with pkg-config): create and open files, define
// dimensions (including unlimited ones), variables (with deflate, shuffle,
// chunking and fill values) and attributes, put and get hyperslabs of
// float64, float32, int32, int64 and char data, and close.
//
// libnetcdf is not thread-safe. Every call into it made by this package
// holds one process-wide mutex and runs on one dedicated OS thread, so
// Files may be used from many goroutines (each method is atomic; a
// sequence of methods on one File is not).
//
// Errors are *Error values carrying libnetcdf's nc_strerror message, the
// status code, the operation and the file and variable names.
//
// This package is the only place in the footprint code path with
// import "C".
package netcdf
