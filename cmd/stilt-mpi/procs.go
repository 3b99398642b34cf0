package main

import (
	"os"
	"runtime"
	"strconv"
)

// rankProcs sets GOMAXPROCS for one MPI rank so that the ranks of a node
// share its cores instead of each running as many Go threads (scheduler and
// garbage collector) as the node has cores. An explicit GOMAXPROCS wins;
// else SLURM's CPUs per task; else the cores divided by the ranks on this
// node (Open MPI's local size). It returns the value in force.
func rankProcs() int {
	if os.Getenv("GOMAXPROCS") != "" {
		return runtime.GOMAXPROCS(0)
	}
	if n, err := strconv.Atoi(os.Getenv("SLURM_CPUS_PER_TASK")); err == nil && n > 0 {
		runtime.GOMAXPROCS(n)
		return n
	}
	local, err := strconv.Atoi(os.Getenv("OMPI_COMM_WORLD_LOCAL_SIZE"))
	if err != nil || local < 1 {
		return runtime.GOMAXPROCS(0)
	}
	n := runtime.NumCPU() / local
	if n < 1 {
		n = 1
	}
	runtime.GOMAXPROCS(n)
	return n
}
