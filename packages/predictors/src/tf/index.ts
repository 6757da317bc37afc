/**
 * TensorFlow.js models (optional peer `@tensorflow/tfjs`, wasm backend).
 *
 * @packageDocumentation
 */
export {};
