import { z } from 'zod';
import type { AnyTask } from './task.ts';
import { DirectionSchema } from '../maths/direction.ts';

/**
 * A task as data, for outside optimizers and the API: name, kind, metric, description, data,
 * baseline and the search space (each dimension with its type, bounds, scale, choices,
 * condition and default).
 */
export const TaskDescriptionSchema = z.object({
  name: z.string(),
  title: z.string(),
  kind: z.enum(['classification', 'regression', 'objective']),
  metric: z.object({ name: z.string(), direction: DirectionSchema }),
  description: z.string(),
  data: z.string(),
  baseline: z.record(z.string(), z.unknown()),
  space: z.array(
    z.looseObject({ name: z.string(), kind: z.enum(['float', 'int', 'choice']), area: z.string() }),
  ),
});
type TaskDescription = z.infer<typeof TaskDescriptionSchema>;

export function describeTaskJson(task: AnyTask): TaskDescription {
  return {
    name: task.name,
    title: task.title,
    kind: task.kind,
    metric: task.metric,
    description: task.description,
    data: task.dataSummary,
    baseline: task.baseline,
    space: task.space.toJSON().map((p) => ({ ...p })),
  };
}
