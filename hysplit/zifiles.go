package hysplit

import (
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/stilt-mpi/stilt-mpi/config"
	"github.com/stilt-mpi/stilt-mpi/receptor"
)

func writeLines(w io.Writer, lines []string) error {
	_, err := io.WriteString(w, strings.Join(lines, "\n")+"\n")
	return err
}

// WriteZIControl writes ZICONTROL: the number of factors, then one
// mixing-height scale factor per simulation hour (a scalar ziscale expands
// to max(|n_hours|, 1) copies; a list is used as given).
func WriteZIControl(w io.Writer, p *config.Params) error {
	vals := p.ZIScaleValues()
	if len(vals) == 0 {
		return errors.New("ZICONTROL: ziscale is empty")
	}
	lines := []string{strconv.Itoa(len(vals))}
	for _, v := range vals {
		lines = append(lines, receptor.PyFloatRepr(v))
	}
	return writeLines(w, lines)
}

// WriteWindErr writes WINDERR: siguverr (m/s), tluverr (min), zcoruverr (m),
// horcoruverr (km), one per line.
func WriteWindErr(w io.Writer, p *config.Params) error {
	if !p.WindErrGroupSet() {
		return errors.New("WINDERR: siguverr, tluverr, zcoruverr and horcoruverr must all be set")
	}
	return writeLines(w, []string{
		receptor.PyFloatRepr(*p.SigUVErr), receptor.PyFloatRepr(*p.TLUVErr),
		receptor.PyFloatRepr(*p.ZCorUVErr), receptor.PyFloatRepr(*p.HorCorUVErr),
	})
}

// WriteZIErr writes ZIERR: sigzierr (%), tlzierr (min), horcorzierr (km).
func WriteZIErr(w io.Writer, p *config.Params) error {
	if !p.ZIErrGroupSet() {
		return errors.New("ZIERR: sigzierr, tlzierr and horcorzierr must all be set")
	}
	return writeLines(w, []string{
		receptor.PyFloatRepr(*p.SigZIErr), receptor.PyFloatRepr(*p.TLZIErr), receptor.PyFloatRepr(*p.HorCorZIErr),
	})
}
