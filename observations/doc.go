// Package observations turns measurements into receptors and weights particle
// tables for column observations (../shared/spec/observations.md).
//
// One job: the observation layer between input files and the footprint.
//   - Observation, Scene, UncertaintyBudget and the geometry types (§1.1–1.2);
//   - Load reads observations from CSV (profiles from a companion CSV keyed by
//     observation id); GroupScenes groups them into scenes;
//   - PointSensor and ColumnSensor (vertical or slant) build receptor.Receptor
//     values, slant columns along the line of sight on a sphere (§1.4);
//   - ParseTransforms and ApplyTransforms weight a particle.Table before the
//     footprint: the vertical operator (modes none, uniform, ak, pwf, ak_pwf,
//     integration, tccon) with per-observation profiles and a pressure
//     weighting function computed X-STILT style from surface pressure and
//     humidity, and first-order lifetime decay (§2–§4).
//
// Conventions: pressures in hPa, heights in metres, times UTC, particle
// times in minutes (negative backward). The particle count N used by the
// operator is the number of distinct indx values (PYSTILT's choice, equal to
// the footprint's normalisation count), recorded in the table metadata.
package observations
