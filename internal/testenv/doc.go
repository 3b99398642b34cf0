// Package testenv is test support: it finds ../shared reference data and
// decides whether a test skips (outside CI) or fails (in CI) when it is absent.
package testenv
