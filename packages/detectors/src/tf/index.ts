/**
 * `@homeostat/detectors/tf`: detectors whose models are trained with TensorFlow.js (optional
 * peers `@tensorflow/tfjs` and `@tensorflow/tfjs-backend-wasm`; the wasm binary is read from
 * the installed package, never fetched). The main entry `@homeostat/detectors` never loads
 * TensorFlow.js; only this subpath does.
 *
 * @packageDocumentation
 */
export { initTf, TfBackendError, type InitTfOptions } from './init-tf.js';

/**
 * Suggested score threshold for the TensorFlow.js detectors: recent model errors about 3.7
 * standard deviations above their usual level (their scores are a normal CDF). Fixed a priori,
 * not tuned on a benchmark.
 *
 * @example
 * ```ts
 * if (d.update(v, t) >= TF_DEFAULT_THRESHOLD) console.log(d.explain());
 * ```
 */
export const TF_DEFAULT_THRESHOLD = 0.9999;
export {
  createAutoencoderDetector,
  autoencoderDetectorFactory,
  restoreAutoencoderDetector,
  autoencoderOptionsSchema,
  type AutoencoderOptions,
} from './autoencoder.js';
export {
  createLstmDetector,
  lstmDetectorFactory,
  restoreLstmDetector,
  lstmOptionsSchema,
  type LstmOptions,
} from './lstm.js';
