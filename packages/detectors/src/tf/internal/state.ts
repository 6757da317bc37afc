/** Options shared by the TensorFlow.js detectors, and restoring their saved state. */
import { z } from 'zod';
import type { Detector } from '../../detector.js';
import { DetectorStateError } from '../../errors.js';
import { initTf, type InitTfOptions } from '../init-tf.js';
import type { NeuralDetector, NeuralState } from './neural.js';

/** The zod fields shared by both detectors' options. */
export function neuralOptionsShape(epochs: number) {
  return {
    /** Values seen before the first training (scores are 0 until then). Default 500. */
    trainSize: z.number().int().min(8).max(100_000).default(500),
    /** Most recent values kept, and trained on when retraining. Default 1,000. */
    bufferSize: z.number().int().min(8).max(100_000).default(1000),
    /** Retrain every this many values after the first training (0: never). Default 2,000. */
    retrainEvery: z.number().int().min(0).default(2000),
    /** Full-batch Adam steps per training. Default 40 for the autoencoder, 15 for the LSTM. */
    epochs: z.number().int().min(1).max(10_000).default(epochs),
    /** Adam learning rate. Default 0.01. */
    learningRate: z.number().positive().max(1).default(0.01),
    /** Model errors the score compares against (a bounded ring). Default 1,000. */
    errorWindow: z.number().int().min(10).max(100_000).default(1000),
    /** Latest errors averaged before the comparison. Default 3. */
    shortWindow: z.number().int().min(1).max(1000).default(3),
    /**
     * Seed of the weight initialisers (training is deterministic for a given backend). Default 42.
     */
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(42),
  };
}

const stateSchema = z.object({
  /** Which network saved the state; a restore into the other kind is refused. */
  kind: z.string(),
  /** Format version; always 1. */
  version: z.literal(1),
  /** The detector's parsed options, checked again on restore. */
  options: z.record(z.string(), z.unknown()),
  /** Most recent values, oldest first (at most `bufferSize`). */
  buffer: z.array(z.number()),
  /** Values seen (integer ≥ 0); counts toward `trainSize` before the first training. */
  count: z.number().int().min(0),
  /** Values seen since the last training or failed attempt (integer ≥ 0). */
  sinceTrain: z.number().int().min(0),
  /** Trainings that succeeded (integer ≥ 0). */
  trainings: z.number().int().min(0),
  /** Mean used to normalise values, fixed at the first training. */
  mean: z.number(),
  /** Standard deviation used to normalise values (> 0), fixed at the first training. */
  std: z.number().positive(),
  /** The network's weights as the model saved them; `null` before the first training. */
  weights: z.unknown(),
  /** Recent model errors the score compares against, oldest first (at most `errorWindow`). */
  errors: z.array(z.number()),
  /** Running sum of `errors`, kept so a restored detector scores bit-for-bit the same. */
  errSum: z.number(),
  /** Running sum of squared `errors` (≥ 0), kept for the same reason. */
  errSumSq: z.number().min(0),
  /** Errors pushed out of the ring so far (decides when the sums are recomputed). */
  errDropped: z.number().int().min(0),
  /** Latest finite event time seen (epoch ms); `null` before any. */
  lastT: z.number().nullable(),
});

/** Validates a saved state and rebuilds the detector; rejects with DetectorStateError. */
export async function restoreState<W>(
  state: unknown,
  how: {
    readonly kind: string;
    readonly init: InitTfOptions;
    readonly make: (options: Record<string, unknown>) => {
      detector: NeuralDetector<W>;
      weights: (saved: unknown) => W | null;
    };
  },
): Promise<Detector> {
  const parsed = stateSchema.safeParse(state);
  if (!parsed.success) {
    throw new DetectorStateError(`Not a ${how.kind} state: ${parsed.error.message}`, state, {
      cause: parsed.error,
    });
  }
  const s = parsed.data as NeuralState;
  if (s.kind !== how.kind) {
    throw new DetectorStateError(`Expected a ${how.kind} state, got kind "${s.kind}"`, state);
  }
  let made: ReturnType<typeof how.make>;
  try {
    made = how.make(s.options);
  } catch (cause) {
    throw new DetectorStateError(`${how.kind} state has invalid options`, state, { cause });
  }
  const weights = s.weights === null ? null : made.weights(s.weights);
  if (s.weights !== null && weights === null) {
    throw new DetectorStateError(`${how.kind} state has weights of the wrong shape`, state);
  }
  await initTf(how.init);
  made.detector.load(s, weights);
  return made.detector;
}
