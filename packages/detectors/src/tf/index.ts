/**
 * `@homeostat/detectors/tf`: detectors whose models are trained with TensorFlow.js (optional
 * peers `@tensorflow/tfjs` and `@tensorflow/tfjs-backend-wasm`; the wasm binary is read from
 * the installed package, never fetched). The main entry `@homeostat/detectors` never loads
 * TensorFlow.js; only this subpath does.
 *
 * @packageDocumentation
 */
export { initTf, TfBackendError, type InitTfOptions } from './init-tf.js';
export {
  createAutoencoderDetector,
  restoreAutoencoderDetector,
  autoencoderOptionsSchema,
  type AutoencoderOptions,
} from './autoencoder.js';
export {
  createLstmDetector,
  restoreLstmDetector,
  lstmOptionsSchema,
  type LstmOptions,
} from './lstm.js';
