// Package config loads and validates run.toml: the project, receptor file,
// met sources, transport engine, STILT/HYSPLIT parameters (R-STILT names and
// run_stilt.r defaults), footprint grids, output, MPI, registry, scenes and
// SLURM settings. Load reports every problem at once (Errors), each naming
// its key, line and what is allowed. Relative paths are resolved against the
// folder of run.toml.
//
// Sections and keys (defaults in parentheses):
//
//	[project]     name (folder of run.toml), output_dir ("out"), scratch_dir
//	              ($SLURM_TMPDIR, else $TMPDIR, else /tmp, at run time), seed (0)
//	[receptors]   path: CSV with time, latitude, longitude, altitude
//	              [, r_idx, altitude_ref, scene]. Exactly one of [receptors]
//	              and [observations] is required.
//	[observations] observations as the source of simulations (one per
//	              observation and met source, scenes from group): path (an
//	              observation CSV, or netCDF soundings by extension .nc/.nc4),
//	              profiles (companion profile CSV), sensor ("column" | "point"),
//	              point: height (each observation's altitude); column: mode
//	              ("vertical" | "slant"), bottom (0), top (3000), altitude_ref
//	              ("agl" | "msl"), slant: slant_path ("viewing" | "solar"),
//	              step (100), model_top (0 = none); group ("single" |
//	              "time_gap" with max_gap | "swath" | "metadata" with field),
//	              prefix (scene id prefix); netCDF only: sensor_name, species
//	              (required), operator_mode
//	[met.<name>]  at least one; <name> lower-case letters and digits.
//	              directory (required), file_format (strftime), file_tres
//	              ("1h", "6h", "30min", "1d"), n_min (1), subgrid_enable (false),
//	              subgrid_bounds [xmin, ymin, xmax, ymax], subgrid_buffer (0.2),
//	              subgrid_levels (all), subgrid_dir (<directory>/subgrid),
//	              discover ("name" when file_format is set, else "header")
//	[transport]   engine ("" = hysplit when hysplit_dir or hycs_std is set, else
//	              native; "native"; "hysplit"), hysplit_dir, hycs_std, bdyfiles,
//	              timeout (0 = 5× expected CPU + 5 min), grace ("3s"),
//	              keep_failed (true). Durations: "90s", "1h30m" or seconds.
//	[params]      every STILT/HYSPLIT parameter under R-STILT's name: n_hours
//	              (-24), numpar (1000), emisshrs (0.01), w_option (0), z_top
//	              (25000), varsiwant (11 names), hnf_plume (true), rm_dat (true),
//	              the SETUP.CFG namelist (capemin … zicontroltf, see
//	              DefaultParams; kmsl derived from the receptor, maxpar =
//	              numpar, seed written only when set), ziscale, and the error
//	              groups siguverr/tluverr/zcoruverr/horcoruverr and
//	              sigzierr/tlzierr/horcorzierr (each all or none).
//	[footprints.<name>]  xmin, xmax, ymin, ymax, xres (required), yres (xres),
//	              projection ("+proj=longlat"), smooth_factor (1),
//	              time_integrate (false), transforms: array of tables, each
//	              with a string kind
//	[output]      directory (= project.output_dir), trajectories (false),
//	              per_simulation_netcdf (false), url (none: local only;
//	              s3://bucket/prefix or file:///dir uploads every scene file
//	              and per-simulation export after writing it locally)
//	[mpi]         block_size (1), progress_interval ("30s")
//	[registry]    path (<output>/registry.sqlite) or url (postgres://…)
//	[scenes]      rule ("none", "column", "utc_day"), column ("scene")
//	[slurm]       partition, account, qos, time, nodes (1), ntasks_per_node (1),
//	              mem, extra_sbatch ["--opt=value"], setup [shell lines],
//	              scratch, signal_grace ("120s")
//
// Commented examples: ../examples/*.run.toml.
package config
