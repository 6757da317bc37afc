/**
 * `@homeostat/predictors/tf`: forecasters trained with TensorFlow.js (optional peers
 * `@tensorflow/tfjs` and `@tensorflow/tfjs-backend-wasm`; the wasm binary is read from the
 * installed package, never fetched). Only this subpath loads TensorFlow.js; the main entry
 * `@homeostat/predictors` never does.
 *
 * @packageDocumentation
 */
export { initTf, TfUnavailableError, type InitTfOptions } from './init-tf.js';
export { createGruForecaster, gruOptionsSchema, type GruOptions } from './gru.js';
