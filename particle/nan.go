package particle

import "math"

var nan = math.NaN()
