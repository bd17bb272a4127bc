// Linear regression two ways, as the course compares them: gradient descent on the mean
// squared error, and the closed form (normal equation, and ridge) through ng.linalg.
//   node dist/examples/regression.js
import * as ng from '../lib/index.js';

ng.seed(7);
const n = 500;
const trueW = ng.tensor([[2.0], [-3.5], [0.5]], undefined, 'float64');
const trueB = 4.0;
const x = ng.randn([n, 3], { dtype: 'float64' });
const y = x.matmul(trueW).add(trueB).add(ng.randn([n, 1], { std: 0.1, dtype: 'float64' }));

// 1. Gradient descent: w, b ← w − α·∂J/∂w, b − α·∂J/∂b with J = mean((x·w + b − y)²).
const w = ng.zeros([3, 1], 'float64');
w.requiresGrad = true;
const b = ng.zeros([1], 'float64');
b.requiresGrad = true;
const opt = new ng.optim.SGD([w, b], { lr: 0.1 });
for (let step = 0; step < 200; step++) {
  opt.zeroGrad();
  const loss = ng.losses.meanSquaredError(x.matmul(w).add(b), y);
  loss.backward();
  opt.step();
  if (step % 50 === 0) console.log(`gradient descent step ${String(step).padStart(3)}: J = ${loss.item().toFixed(6)}`);
}

// 2. Closed form on [x, 1] (the last column fits the intercept): (AᵀA)θ = Aᵀy, and ridge (AᵀA + λI)θ = Aᵀy.
const A = ng.concat([x, ng.ones([n, 1], 'float64')], 1);
const normal = ng.linalg.lstsq(A, y);
const ridge = ng.linalg.ridge(A, y, 10, { unpenalized: [3] });

const fmt = (t: ng.Tensor) => Array.from(t.dataSync(), (v) => v.toFixed(4).padStart(8)).join(' ');
console.log('\n                     w1       w2       w3        b');
console.log(`true             ${fmt(ng.concat([trueW.reshape([3]), ng.tensor([trueB], undefined, 'float64')]))}`);
console.log(`gradient descent ${fmt(ng.concat([w.reshape([3]), b]))}`);
console.log(`normal equation  ${fmt(normal.reshape([4]))}`);
console.log(`ridge λ = 10     ${fmt(ridge.reshape([4]))}`);
