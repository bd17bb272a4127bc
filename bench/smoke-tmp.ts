import * as ng from '../lib/index.js';
ng.setBackend((process.env.B ?? 'native') as any);
ng.seed(1);
const { xTrain, yTrain, xTest, yTest } = await ng.data.mnist({ layout: 'flat', trainSize: 2000, testSize: 500 } as any);
console.log(xTrain.shape, yTrain.shape, yTrain.dtype);
const model = ng.sequential([
  ng.layers.dense({ units: 128, activation: 'relu', inputShape: [784] }),
  ng.layers.dropout({ rate: 0.2 }),
  ng.layers.dense({ units: 10, activation: 'softmax' }),
]);
model.summary();
model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
const t0 = performance.now();
const h = await model.fit(xTrain, yTrain, { epochs: 2, batchSize: 64, validationSplit: 0.1 });
console.log(h.history, (performance.now() - t0).toFixed(0), 'ms');
console.log(model.evaluate(xTest, yTest));
await model.save('/tmp/m1');
const m2 = await ng.loadModel('/tmp/m1');
const a = model.predict(xTest).dataSync(), b = m2.predict(xTest).dataSync();
console.log('same', a.every((v, i) => Object.is(v, b[i])));
console.log(ng.memory());
