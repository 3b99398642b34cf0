package batch

import "github.com/stilt-mpi/stilt-mpi/mpi"

// MPIWorld adapts the mpi binding to World. Its methods must be called from
// the goroutine that called mpi.Init.
type MPIWorld struct{ C *mpi.Comm }

func (w MPIWorld) Rank() int                            { return w.C.Rank() }
func (w MPIWorld) Size() int                            { return w.C.Size() }
func (w MPIWorld) Send(buf []byte, dest, tag int) error { return w.C.Send(buf, dest, tag) }
func (w MPIWorld) Bcast(buf []byte, root int) ([]byte, error) {
	return w.C.Bcast(buf, root)
}

func (w MPIWorld) Recv(src, tag int) ([]byte, int, int, error) {
	if src < 0 {
		src = mpi.AnySource
	}
	if tag < 0 {
		tag = mpi.AnyTag
	}
	buf, st, err := w.C.Recv(src, tag)
	return buf, st.Source, st.Tag, err
}

func (w MPIWorld) Iprobe() (bool, error) {
	_, ok, err := w.C.Iprobe(mpi.AnySource, mpi.AnyTag)
	return ok, err
}
