// ng.data: data sets, file formats and preprocessing.
export { mnist } from './mnist.js';
export type { ImageDataset, ImageLayout, ImageSetOptions, MnistOptions } from './mnist.js';
export { encodeIdx, loadIdx, loadMnistIdx, parseIdx, readIdx, writeIdx } from './idx.js';
export type { IdxArray, IdxData, IdxType, LoadIdxOptions } from './idx.js';
export { Standardizer, oneHot, standardize, toCategorical, trainTestSplit } from './preprocess.js';
export type { Split, SplitOptions, StandardizeOptions } from './preprocess.js';
export { permutation } from './shuffle.js';
export { randomMiniBatches, shuffleTogether } from './minibatch.js';
