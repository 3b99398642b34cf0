package transport

import (
	"context"

	"github.com/stilt-mpi/stilt-mpi/particle"
)

// ErrorEngine is implemented by engines that can run the optional
// transport-error pass (HYSPLIT's WINDERR/ZIERR): a second ensemble whose
// winds and mixing heights carry random errors. errTab is nil when the error
// pass failed or is not configured; a failed error pass is reported in
// errPass without failing the simulation (as PYSTILT does).
type ErrorEngine interface {
	Engine
	RunWithError(ctx context.Context, sim Simulation) (main, errTab *particle.Table, errPass error, err error)
}
