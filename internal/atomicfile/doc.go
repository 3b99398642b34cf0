// Package atomicfile writes files atomically: the data go to a hidden temp
// file of the writer's own beside the target (".<name>.<random>.tmp"), which
// is renamed over the target only when complete. Readers see the old file or
// the new one, never a part; several processes writing the same target at
// the same moment each succeed and the last rename wins; a crashed writer
// leaves at most a hidden temp file.
package atomicfile
