import { z } from 'zod';
import { InputError, parseInput } from '@homeostat/core';
import type { Model, ModelFactory, ModelState } from './model.js';

const modelStateSchema = z.object({
  /** Name of the model that saved the state (non-empty); it must match the factory's model. */
  model: z.string().min(1),
  /** The values the model kept, oldest first, each finite; refitted on restore (none: unfitted). */
  history: z.array(z.number().refine(Number.isFinite, 'must be a finite number')),
});

/**
 * Rebuilds a model from the state {@link Model.toJSON} saved: a fresh model from `factory`,
 * fitted on the saved history (left unfitted when the history is empty).
 *
 * @throws {InputError} when `state` is malformed or was saved by a different model.
 * @example
 * ```ts
 * writeFileSync('model.json', JSON.stringify(model.toJSON()));
 * const again = restoreModel(() => createMstl(), JSON.parse(readFileSync('model.json', 'utf8')));
 * ```
 */
export function restoreModel(factory: ModelFactory, state: unknown): Model {
  const parsed: ModelState = parseInput(modelStateSchema, state, { source: 'restoreModel' });
  const model = factory();
  if (parsed.model !== model.name) {
    throw new InputError(
      [{ path: 'model', message: `was saved by "${parsed.model}", not "${model.name}"` }],
      { source: 'restoreModel' },
    );
  }
  if (parsed.history.length > 0) model.fit(parsed.history);
  return model;
}
