// Package receptor defines receptor kinds (point, column, multipoint), reads
// receptor CSV files, and computes receptor and simulation ids byte-identical
// to PYSTILT's (../shared/spec/receptors-and-met.md).
package receptor
