import { z } from 'zod';

/** Options every model accepts. */
export const baseModelShape = {
  /** Coverage of the prediction interval, in (0, 1). Default 0.95. */
  level: z.number().gt(0).lt(1).default(0.95),
  /**
   * Most values of history kept; older ones are dropped (and counted in `dropped`). Default 10,000.
   */
  maxHistory: z.number().int().min(2).max(1_000_000).default(10_000),
};

export const periodSchema = z.number().int().min(2).max(100_000);
