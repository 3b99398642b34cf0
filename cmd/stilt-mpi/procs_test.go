package main

import (
	"runtime"
	"testing"
)

func TestRankProcs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	cases := []struct {
		env  map[string]string
		want int
	}{
		{map[string]string{"SLURM_CPUS_PER_TASK": "3"}, 3},
		{map[string]string{"OMPI_COMM_WORLD_LOCAL_SIZE": "1"}, runtime.NumCPU()},
		{map[string]string{"OMPI_COMM_WORLD_LOCAL_SIZE": "1000000"}, 1},
		{map[string]string{"GOMAXPROCS": "1", "SLURM_CPUS_PER_TASK": "3"}, -1}, // explicit: left alone
	}
	for _, c := range cases {
		t.Setenv("GOMAXPROCS", "")
		t.Setenv("SLURM_CPUS_PER_TASK", "")
		t.Setenv("OMPI_COMM_WORLD_LOCAL_SIZE", "")
		for k, v := range c.env {
			t.Setenv(k, v)
		}
		want := c.want
		if want < 0 {
			want = runtime.GOMAXPROCS(0)
		}
		if got := rankProcs(); got != want {
			t.Errorf("%v: GOMAXPROCS %d, want %d", c.env, got, want)
		}
		if c.env["GOMAXPROCS"] == "" && runtime.GOMAXPROCS(0) != c.want {
			t.Errorf("%v: runtime has %d", c.env, runtime.GOMAXPROCS(0))
		}
	}
}
