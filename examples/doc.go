// Package examples holds commented run.toml files with their receptor or
// observation CSVs; its test checks that every example loads and that its
// receptors read (for column-obs.run.toml: that its observations plan into
// simulations).
package examples
