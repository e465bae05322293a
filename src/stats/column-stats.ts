/**
 * Per-column mean and standard deviation of a row-major matrix (population statistics), for
 * standardizing inputs and features. A column that never varies gets a deviation of 1, so
 * dividing by it leaves the column centred instead of dividing by zero.
 */
export function columnStats(
  values: ArrayLike<number>,
  rows: number,
  width: number,
): { mean: Float32Array; std: Float32Array } {
  const mean = new Float64Array(width);
  const squares = new Float64Array(width);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < width; j++) mean[j]! += values[r * width + j]! / rows;
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < width; j++) squares[j]! += (values[r * width + j]! - mean[j]!) ** 2 / rows;
  return {
    mean: Float32Array.from(mean),
    std: Float32Array.from(squares, (s) => (s > 1e-12 ? Math.sqrt(s) : 1)),
  };
}
