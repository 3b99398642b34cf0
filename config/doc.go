// Package config loads and validates run.toml: the project, receptor file,
// met sources, transport engine, STILT/HYSPLIT parameters (R-STILT names and
// run_stilt.r defaults), footprint grids, output, MPI, registry, scenes and
// SLURM settings. Load reports every problem at once, each naming its key,
// line and what is allowed.
package config
