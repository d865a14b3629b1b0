// The image reader's public surface (docs/architecture.md).
export { openImage, type OpenOptions } from './open.js';
export { readLayer, maxLayerBytes, DEFAULT_MAX_LAYER_BYTES, type ReadLayerOptions } from './layer-reader.js';
export { hostPlatform } from './platform.js';
