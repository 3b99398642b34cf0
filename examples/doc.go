// Package examples holds commented run.toml files and receptor CSVs; its
// test checks that every example loads and that its receptors read.
package examples
