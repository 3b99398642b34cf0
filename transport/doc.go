// Package transport is stilt-mpi's native particle-dispersion engine: it
// moves STILT particles backward (or forward) through ARL meteorology with
// the HYSPLIT-STILT physics (ICHEM=8, IDSP=2, KBLT=5 Hanna turbulence,
// KMIXD=3 Richardson mixed layer with a KMIX0 floor; horizontal turbulence
// σ_u = σ_v = σ_w/√2 drawn from its stationary distribution at release, as
// measured on hycs_std v5.1.0) and returns the same
// particle table hycs_std writes to PARTICLE_STILT.DAT.
//
// Entry points: Native.Run (Engine) for one Simulation; OpenMet reads ARL
// files through the met package and preprocesses them into Frames (a
// MetSource); Validate compares the engine with the hycs_std ensembles.
// The physics follows spec/physics.md. Random numbers come from one PCG
// stream per particle seeded from (Simulation.Seed, particle index), so a
// run is identical for any number of worker goroutines, ranks or restarts.
package transport
