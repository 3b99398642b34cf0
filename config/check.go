package config

import (
	"fmt"
	"os"
)

// CheckPaths checks the file system against the configuration: the receptor
// file exists, every met directory is a directory, and for the hysplit
// engine the executable and data tables are present. Problems are returned
// together (nil when all is well).
func (c *Config) CheckPaths() Errors {
	var errs Errors
	add := func(key, format string, args ...any) {
		errs = append(errs, &Error{File: c.Path, Key: key, Msg: fmt.Sprintf(format, args...)})
	}
	if c.Receptors.Path != "" {
		if st, err := os.Stat(c.Receptors.Path); err != nil {
			add("receptors.path", "%v", err)
		} else if st.IsDir() {
			add("receptors.path", "%s is a directory, expected a CSV file", c.Receptors.Path)
		}
	}
	for _, f := range []struct{ key, path string }{{"observations.path", c.Observations.Path}, {"observations.profiles", c.Observations.Profiles}} {
		if f.path == "" {
			continue
		}
		if st, err := os.Stat(f.path); err != nil {
			add(f.key, "%v", err)
		} else if st.IsDir() {
			add(f.key, "%s is a directory, expected a file", f.path)
		}
	}
	for _, m := range c.Mets() {
		if m.Directory == "" {
			continue
		}
		st, err := os.Stat(m.Directory)
		switch {
		case err != nil:
			add("met."+m.Name+".directory", "%v", err)
		case !st.IsDir():
			add("met."+m.Name+".directory", "%s is not a directory", m.Directory)
		}
	}
	if c.Engine() == EngineHysplit {
		exe, err := c.Transport.HycsStdPath()
		if err != nil {
			add("transport.hysplit_dir", "%v", err)
		} else if st, err := os.Stat(exe); err != nil {
			add("transport.hycs_std", "%v", err)
		} else if st.Mode()&0o111 == 0 {
			add("transport.hycs_std", "%s is not executable", exe)
		} else if dir, err := c.Transport.BdyFilesDir(); err != nil {
			add("transport.bdyfiles", "%v", err)
		} else if _, err := os.Stat(dir + "/ASCDATA.CFG"); err != nil {
			add("transport.bdyfiles", "ASCDATA.CFG not found in %s (the HYSPLIT data tables: ASCDATA.CFG, LANDUSE.ASC, ROUGLEN.ASC, TERRAIN.ASC)", dir)
		}
	}
	return errs
}
