// Package slurmtest is test support: it gives a test a running single-node
// SLURM cluster, either an existing one ($STILT_SLURM_CONF) or a private one
// started with scripts/slurm-up.sh and stopped when the test ends.
package slurmtest
