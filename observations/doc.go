// Package observations turns measurements into receptors and weights particle
// tables for column observations (../shared/spec/observations.md).
//
// One job: the observation layer between input files and the footprint.
//   - Observation, Scene, UncertaintyBudget and the geometry types (§1.1–1.2);
//     Filter selects observations (§1.5);
//   - Load reads observations from CSV (profiles from a companion CSV keyed by
//     observation id), LoadSoundings / LoadSoundingsFile from a file of
//     satellite soundings (OCO-2 Lite names by default); GroupScenes groups
//     them into scenes;
//   - PointSensor and ColumnSensor (vertical or slant) build receptor.Receptor
//     values, slant columns along the line of sight on a sphere (§1.4);
//   - ParseTransforms and ApplyTransforms weight a particle.Table before the
//     footprint (footprint.md §0 step 3): the vertical operator (modes none,
//     uniform, ak, pwf, ak_pwf, integration, tccon) either static (PYSTILT)
//     or from each observation's own profile, with the pressure weighting
//     function computed X-STILT style from surface pressure and humidity on
//     the release-pressure coordinate; and first-order lifetime decay (§2–§4).
//
// # Observation CSV
//
// One row per observation. Required: sensor, species, time, latitude (lat,
// lati), longitude (lon, long). Optional: observation_id (id, obs_id),
// platform, value, units, uncertainty, altitude or zagl or zmsl,
// altitude_ref (agl|msl); uncertainty_<name> columns form the uncertainty
// budget (combined in quadrature); quality_<name> and qf are quality flags;
// viewing_zenith (vza), viewing_azimuth (vaa), solar_zenith (sza),
// solar_azimuth (saa), relative_azimuth, scan_angle, glint_angle; geometry,
// swath, along_track, across_track; operator_mode (mode), psurf (hPa), tcwv
// (kg m-2), surface_altitude (m); line of sight los_start, los_end,
// los_count or los_frequency, los_anchor, los_max, los_surface, los_ref.
// Any other column is metadata. Times: YYYYMMDDHHMM[SS], YYYY-MM-DD
// HH:MM[:SS] (UTC) or RFC 3339.
//
// # Profile CSV
//
// One row per observation and level: observation_id, exactly one of
// pressure (hPa) or height (m AGL, matched against xhgt), and any of ak
// (normalised averaging kernel), pwf (retrieval layer weights), int_op
// (integration operator), apriori, h2o_wet (wet water prior, TCCON).
//
// # Weights
//
// With a per-observation profile, each particle's coordinate is its release
// pressure (pres at its first output step, or the surface-mismatch fit with
// release_pressure = "fit") or its release height xhgt. Weights: ak → AK;
// pwf → PWF·N; ak_pwf → AK·PWF·N; integration → PWF·N; tccon →
// AK·PWF·sf_wet·N. PWF per particle is (1 − q)·dp_i·100/(g·M) divided by the
// total dry-air column (psurf and tcwv of the retrieval, else the met column
// integrated in 10-hPa bins), or, when the profile supplies layer weights
// (pwf, int_op), those weights as a density per hPa times dp_i. N is the
// number of distinct indx values (PYSTILT's choice, equal to the footprint's
// normalisation count); it is recorded in the table metadata as
// stilt:operator_n. foot is always recomputed from foot_before_transforms,
// so applying a list twice equals applying it once.
//
// Conventions: pressures in hPa, heights in metres, times UTC, particle
// times in minutes (negative backward), longitudes in [-180, 180].
package observations
