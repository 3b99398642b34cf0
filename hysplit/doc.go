// Package hysplit drives NOAA's HYSPLIT-STILT binary hycs_std
// (../shared/spec/hysplit-interface.md). This part writes a simulation's
// input files — CONTROL, SETUP.CFG, ZICONTROL, WINDERR and ZIERR — exactly
// as R-STILT's write_control.r / write_setup.r do with run_stilt.r values.
//
// Formatting choices, pinned by tests against the reference runs in
// ../shared/hysplit:
//
//   - CONTROL follows R-STILT byte for byte: release lines are R paste() of
//     doubles (15 significant digits, R's fixed/scientific width rule:
//     "40.766 -111.848 5"), each met directory line is the directory then
//     "/ " (slash and a trailing space), z_top is format(z_top, nsmall = 1)
//     ("25000.0"), the start time line has minutes ("19 05 30 11 00").
//   - SETUP.CFG uses R-STILT's alphabetical key order (SEED, when set, right
//     after KRAND as PYSTILT writes it), TRUE/FALSE booleans, integral
//     floats as integers, empty strings as nothing, VARSIWANT as quoted list.
//   - The one documented difference from R-STILT: non-integral floats in
//     SETUP.CFG keep up to 10 significant digits in fixed notation (PYSTILT's
//     precision, never an exponent), where R's format() would round to 7
//     (tlfrac = 0.123456789 reaches HYSPLIT unaltered). For every
//     run_stilt.r default the two agree.
//   - ZICONTROL, WINDERR and ZIERR numbers use Python's str(float) ("1.0"),
//     as PYSTILT writes them.
//
// Met directory lines longer than 256 characters (with the slash) are
// refused: hycs_std v5.1.0 was measured to truncate them and fail.
//
// All files are written atomically (temporary file, then rename).
package hysplit
