// ng.nn: the module system, every layer's forward on every backend against js, dropout
// masks, batch norm against a float64 reference, initializer statistics, regularizers.
import { afterAll, describe, expect, it } from 'vitest';

import * as ng from '../lib/index.js';
import { CONFIGS, lcg, maxAbsDiff, use } from './backends.js';

afterAll(() => ng.setBackend('js'));

const { nn } = ng;

function values(t: ng.Tensor): number[] {
  return Array.from(t.dataSync());
}

function rnd(shape: number[], seed: number, dtype: 'float32' | 'float64' = 'float32', lo = -1, hi = 1): ng.Tensor {
  const r = lcg(seed);
  const n = shape.reduce((p, d) => p * d, 1);
  return ng.tensor(Float64Array.from({ length: n }, () => lo + (hi - lo) * r()), shape, dtype);
}

class Block extends nn.Module {
  readonly fc1 = new nn.Linear(3, 4);
  readonly act = new nn.ReLU();
  readonly heads = [new nn.Linear(4, 2), new nn.Linear(4, 1)];
  readonly scale: ng.Tensor;
  readonly count: ng.Tensor;
  constructor() {
    super();
    this.scale = this.registerParameter('scale', ng.ones([1]));
    this.count = this.registerBuffer('count', ng.zeros([1]));
  }
  forward(x: ng.Tensor): ng.Tensor {
    const h = this.act.call(this.fc1.call(x));
    return ng.concat([this.heads[0]!.call(h), this.heads[1]!.call(h)], 1).mul(this.scale);
  }
}

describe('Module', () => {
  it('names parameters, buffers and children by dotted paths, in a stable order', () => {
    ng.setBackend('js');
    const m = new Block();
    expect(m.namedParameters().map(([n]) => n)).toEqual(
      ['scale', 'fc1.weight', 'fc1.bias', 'heads.0.weight', 'heads.0.bias', 'heads.1.weight', 'heads.1.bias']);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['count']);
    expect(m.namedChildren().map(([n]) => n)).toEqual(['fc1', 'act', 'heads.0', 'heads.1']);
    expect(m.modules()).toHaveLength(5);
    expect(m.parameters().every((p) => p.requiresGrad && p.isLeaf)).toBe(true);
    expect(Object.keys(m.stateDict())).toEqual(
      ['scale', 'count', 'fc1.weight', 'fc1.bias', 'heads.0.weight', 'heads.0.bias', 'heads.1.weight', 'heads.1.bias']);
    expect(m.call(rnd([5, 3], 1)).shape).toEqual([5, 3]);
  });

  it('Sequential names children by position, is iterable and grows with add()', () => {
    ng.setBackend('js');
    const seq = new nn.Sequential(new nn.Linear(2, 3), new nn.Tanh());
    seq.add(new nn.Linear(3, 1));
    expect(seq.length).toBe(3);
    expect([...seq].map((m) => m.constructor.name)).toEqual(['Linear', 'Tanh', 'Linear']);
    expect(seq.at(-1)).toBeInstanceOf(nn.Linear);
    expect(seq.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(seq.call(rnd([4, 2], 2)).shape).toEqual([4, 1]);
    expect(String(seq)).toBe('Sequential(\n  (0): Linear(in=2, out=3, bias=true)\n  (1): Tanh()\n  (2): Linear(in=3, out=1, bias=true)\n)');
    expect(() => seq.add({} as ng.nn.Module)).toThrow(/Sequential.add: expected a Module/);
    expect(() => seq.at(3)).toThrow(/Sequential.at: index 3 out of range for 3 modules/);
  });

  it('lists a shared module or parameter once', () => {
    ng.setBackend('js');
    const shared = new nn.Linear(3, 3);
    const seq = new nn.Sequential(shared, new nn.ReLU(), shared);
    expect(seq.parameters()).toHaveLength(2);
    expect(seq.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias']);
    expect(seq.modules()).toHaveLength(3);
  });

  it('checks registrations', () => {
    ng.setBackend('js');
    class Bad extends nn.Module {
      forward(x: ng.Tensor): ng.Tensor { return x; }
      add(name: string, t: ng.Tensor): void { this.registerParameter(name, t); }
      addBuffer(name: string, t: ng.Tensor): void { this.registerBuffer(name, t); }
    }
    const m = new Bad();
    m.add('w', ng.zeros([2]));
    expect(() => m.add('w', ng.zeros([2]))).toThrow(/registerParameter: 'w' is already registered on Bad/);
    expect(() => m.addBuffer('w', ng.zeros([2]))).toThrow(/registerBuffer: 'w' is already registered/);
    expect(() => m.add('a.b', ng.zeros([2]))).toThrow(/name must be a non-empty string without '.'/);
    expect(() => m.add('i', ng.zeros([2], 'int32'))).toThrow(/registerParameter: 'i' must be float32 or float64, got int32/);
    const leaf = ng.zeros([2]);
    leaf.requiresGrad = true;
    expect(() => m.add('nonleaf', leaf.mul(2))).toThrow(/must be a leaf tensor/);
  });

  it('train() and eval() set the mode recursively', () => {
    ng.setBackend('js');
    const m = new Block();
    m.eval();
    expect(m.modules().every((c) => !c.training)).toBe(true);
    m.train();
    expect(m.modules().every((c) => c.training)).toBe(true);
    m.heads[1]!.train(false);
    expect(m.training && !m.heads[1]!.training && m.heads[0]!.training).toBe(true);
  });

  it('freezing stops gradients and hides parameters from trainableOnly', () => {
    ng.setBackend('js');
    const m = new Block();
    m.fc1.trainable = false;
    expect(m.fc1.trainable).toBe(false);
    expect(m.trainable).toBe(true);
    expect(m.fc1.weight.requiresGrad).toBe(false);
    expect(m.parameters({ trainableOnly: true })).toHaveLength(5);
    m.call(rnd([5, 3], 3)).sum().backward();
    expect(m.fc1.weight.grad).toBeNull();
    expect(m.fc1.bias!.grad).toBeNull();
    expect(m.heads[0]!.weight.grad).not.toBeNull();
    m.zeroGrad();
    expect(m.parameters().every((p) => p.grad === null)).toBe(true);
    m.trainable = false;
    expect(m.parameters({ trainableOnly: true })).toHaveLength(0);
    expect(() => m.call(rnd([5, 3], 3)).sum().backward()).toThrow(/does not require grad/);
    m.trainable = true;
    expect(m.parameters({ trainableOnly: true })).toHaveLength(7);
    m.call(rnd([5, 3], 3)).sum().backward();
    expect(m.fc1.weight.grad).not.toBeNull();
  });

  it('stateDict round-trips into another module in place, buffers included', () => {
    ng.setBackend('js');
    ng.seed(1);
    const a = new nn.Sequential(new nn.Linear(3, 4), new nn.BatchNorm1d(4), new nn.Linear(4, 2));
    a.call(rnd([8, 3], 4));  // moves the running statistics
    ng.seed(2);
    const b = new nn.Sequential(new nn.Linear(3, 4), new nn.BatchNorm1d(4), new nn.Linear(4, 2));
    const before = b.parameters();
    const sd = a.stateDict();
    expect(Object.keys(sd)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '1.runningMean', '1.runningVar', '2.weight', '2.bias']);
    expect(sd['0.weight']).toBe(a.at(0).parameters()[0]);
    b.loadStateDict(sd);
    expect(b.parameters()).toEqual(before);
    b.parameters().forEach((p, i) => expect(p).toBe(before[i]));
    for (const [name, t] of Object.entries(b.stateDict())) expect(values(t), name).toEqual(values(sd[name]!));
    a.eval();
    b.eval();
    const x = rnd([5, 3], 5);
    expect(values(b.call(x))).toEqual(values(a.call(x)));
  });

  it('loadStateDict checks names, shapes and dtypes before copying anything', () => {
    ng.setBackend('js');
    const m = new nn.Sequential(new nn.Linear(2, 3), new nn.Linear(3, 1));
    const good = () => Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [k, v.clone().add(1)]));
    const snapshot = values(m.at(0).parameters()[0]!);
    const missing = good();
    delete missing['1.bias'];
    expect(() => m.loadStateDict(missing)).toThrow(/Sequential.loadStateDict: missing 1.bias/);
    expect(() => m.loadStateDict({ ...good(), extra: ng.zeros([1]) })).toThrow(/unexpected extra/);
    expect(() => m.loadStateDict({ ...good(), '1.weight': ng.zeros([1, 3]) })).toThrow(/'1.weight' has shape \[1,3\], expected \[3,1\]/);
    expect(() => m.loadStateDict({ ...good(), '1.bias': ng.zeros([1], 'float64') })).toThrow(/'1.bias' is float64, expected float32/);
    expect(() => m.loadStateDict({ ...good(), '1.bias': [1] as unknown as ng.Tensor })).toThrow(/'1.bias' is not a Tensor/);
    expect(values(m.at(0).parameters()[0]!)).toEqual(snapshot);
    const partial = good();
    delete partial['1.bias'];
    const result = m.loadStateDict({ ...partial, extra: ng.zeros([1]) }, { strict: false });
    expect(result).toEqual({ missingKeys: ['1.bias'], unexpectedKeys: ['extra'] });
    expect(values(m.at(0).parameters()[0]!)).toEqual(snapshot.map((v) => Math.fround(v + 1)));
  });

  it('loads a state dict from another backend and dtype checks still apply', () => {
    ng.setBackend('js');
    ng.seed(3);
    const src = new nn.Linear(3, 2);
    use(CONFIGS[0]!);
    ng.seed(4);
    const dst = new nn.Linear(3, 2);
    dst.loadStateDict(src.stateDict());
    expect(values(dst.weight)).toEqual(values(src.weight));
    expect(dst.weight.backend.name).toBe(CONFIGS[0]!.backend);
  });

  it('sums the regularization penalties of every module', () => {
    ng.setBackend('js');
    const m = new nn.Sequential(
      new nn.Linear(3, 4, { kernelRegularizer: nn.regularizers.l2(0.1) }),
      new nn.ReLU(),
      new nn.Linear(4, 2, { kernelRegularizer: nn.regularizers.l1(0.01), biasRegularizer: 'l2', biasInitializer: 'ones' }),
    );
    const w0 = values(m.at(0).parameters()[0]!);
    const w2 = values(m.at(2).parameters()[0]!);
    const want = 0.1 * w0.reduce((s, v) => s + v * v, 0) + 0.01 * w2.reduce((s, v) => s + Math.abs(v), 0) + 0.01 * 2;
    const reg = m.regularizationLoss()!;
    expect(reg.shape).toEqual([]);
    expect(reg.item()).toBeCloseTo(want, 5);
    reg.backward();
    expect(maxAbsDiff(values(m.at(0).parameters()[0]!.grad!), w0.map((v) => 0.2 * v))).toBeLessThan(1e-6);
    expect(new nn.Sequential(new nn.Linear(2, 2)).regularizationLoss()).toBeNull();
  });
});

describe('regularizers', () => {
  it('compute λΣ|w|, λΣw² and both, with configs', () => {
    ng.setBackend('js');
    const w = ng.tensor([1, -2, 3], [3], 'float64');
    expect(nn.regularizers.l1(0.5).penalty(w).item()).toBeCloseTo(3);
    expect(nn.regularizers.l2(0.5).penalty(w).item()).toBeCloseTo(7);
    expect(nn.regularizers.l1l2({ l1: 0.5, l2: 0.5 }).penalty(w).item()).toBeCloseTo(10);
    expect(nn.regularizers.l1l2().penalty(w).item()).toBe(0);
    expect(nn.regularizers.l2(0.25).getConfig()).toEqual({ className: 'L2', config: { l1: 0, l2: 0.25 } });
    const back = nn.regularizers.getRegularizer(nn.regularizers.l1l2({ l1: 0.1, l2: 0.2 }).getConfig())!;
    expect([back.l1, back.l2]).toEqual([0.1, 0.2]);
    expect(nn.regularizers.getRegularizer('l2')!.l2).toBe(0.01);
    expect(() => nn.regularizers.l2(-1)).toThrow(/l2: lambda must be a finite number >= 0, got -1/);
    expect(() => nn.regularizers.getRegularizer('l3' as 'l1')).toThrow(/unknown name 'l3'/);
  });
});

describe('initializers', () => {
  const N = [240, 250];  // 60,000 samples, fans 240 and 250

  function stats(t: ng.Tensor): { mean: number; variance: number; min: number; max: number } {
    const v = t.dataSync();
    let s = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const x of v) { s += x; min = Math.min(min, x); max = Math.max(max, x); }
    const mean = s / v.length;
    let q = 0;
    for (const x of v) q += (x - mean) ** 2;
    return { mean, variance: q / v.length, min, max };
  }

  const CASES: [string, ng.nn.Initializer, number, 'normal' | 'uniform'][] = [
    ['glorotNormal', nn.init.glorotNormal(), 2 / (240 + 250), 'normal'],
    ['glorotUniform', nn.init.glorotUniform(), 2 / (240 + 250), 'uniform'],
    ['heNormal', nn.init.heNormal(), 2 / 240, 'normal'],
    ['heUniform', nn.init.heUniform(), 2 / 240, 'uniform'],
    ['lecunNormal', nn.init.lecunNormal(), 1 / 240, 'normal'],
    ['lecunUniform', nn.init.lecunUniform(), 1 / 240, 'uniform'],
    ['randomNormal 0.01', nn.init.randomNormal({ stddev: 0.01 }), 1e-4, 'normal'],
    ['randomUniform ±0.5', nn.init.randomUniform({ minval: -0.5, maxval: 0.5 }), 1 / 12, 'uniform'],
    ['varianceScaling fanOut', nn.init.varianceScaling({ scale: 3, mode: 'fanOut' }), 3 / 250, 'normal'],
  ];

  it.each(CASES)('%s has the variance of its scheme', (_name, init, variance, dist) => {
    ng.setBackend('js');
    ng.seed(11);
    const s = stats(init.sample(N, 'float64'));
    const n = 60_000;
    expect(Math.abs(s.mean)).toBeLessThan(5 * Math.sqrt(variance / n));
    // The sample variance's relative sd is √(2/n) for a normal, √(0.8/n) for a uniform.
    expect(Math.abs(s.variance / variance - 1)).toBeLessThan(5 * Math.sqrt((dist === 'normal' ? 2 : 0.8) / n));
    if (dist === 'uniform') {
      const limit = Math.sqrt(3 * variance);
      expect(s.max).toBeLessThanOrEqual(limit);
      expect(s.min).toBeGreaterThanOrEqual(-limit);
      expect(s.max).toBeGreaterThan(0.99 * limit);
    }
  });

  it('computes fans for dense and conv (HWIO) kernels', () => {
    expect(nn.init.computeFans([3, 4])).toEqual({ fanIn: 3, fanOut: 4 });
    expect(nn.init.computeFans([3, 3, 16, 32])).toEqual({ fanIn: 144, fanOut: 288 });
    expect(nn.init.computeFans([7])).toEqual({ fanIn: 7, fanOut: 7 });
    ng.setBackend('js');
    ng.seed(12);
    const s = stats(nn.init.heNormal().sample([5, 5, 20, 400], 'float64'));
    expect(Math.abs(s.variance / (2 / 500) - 1)).toBeLessThan(0.03);
  });

  it('zeros, ones and constant', () => {
    ng.setBackend('js');
    expect(values(nn.init.zeros().sample([2, 2]))).toEqual([0, 0, 0, 0]);
    expect(values(nn.init.ones().sample([3]))).toEqual([1, 1, 1]);
    expect(values(nn.init.constant(0.25).sample([2], 'float64'))).toEqual([0.25, 0.25]);
    expect(nn.init.ones().sample([3], 'float64').dtype).toBe('float64');
  });

  it('orthogonal gives orthonormal columns (tall), rows (wide) and conv kernels, times gain', () => {
    ng.setBackend('js');
    ng.seed(13);
    for (const [shape, gain] of [[[50, 20], 1], [[20, 50], 2], [[3, 3, 4, 8], 1], [[16, 16], 0.5]] as [number[], number][]) {
      const w = nn.init.orthogonal({ gain }).sample(shape, 'float64');
      const cols = shape.at(-1)!;
      const rows = w.size / cols;
      const m = w.reshape([rows, cols]);
      const gram = rows >= cols ? m.transpose().matmul(m) : m.matmul(m.transpose());
      const k = Math.min(rows, cols);
      expect(maxAbsDiff(values(gram), values(ng.eye(k, k, 'float64').mul(gain * gain))), JSON.stringify(shape)).toBeLessThan(1e-12);
    }
    expect(() => nn.init.orthogonal().sample([5])).toThrow(/orthogonal: needs a shape of at least 2 dims/);
  });

  it('resolve by name and config, and reject unknown names', () => {
    expect(nn.init.getInitializer('he_normal').name).toBe('heNormal');
    expect(nn.init.getInitializer('XavierUniform').name).toBe('glorotUniform');
    expect(nn.init.getInitializer({ name: 'constant', config: { value: 3 } }).getConfig()).toEqual({ name: 'constant', config: { value: 3 } });
    expect(nn.init.getInitializer(nn.init.randomNormal({ stddev: 0.5 }).getConfig()).getConfig().config).toEqual({ mean: 0, stddev: 0.5 });
    expect(() => nn.init.getInitializer('kaiming')).toThrow(/initializer: unknown initializer "kaiming"/);
    expect(() => nn.init.randomUniform({ minval: 1, maxval: 0 })).toThrow(/minval must be <= maxval/);
    expect(() => new nn.Linear(2, 2, { kernelInitializer: 'nope' })).toThrow(/unknown initializer "nope"/);
  });

  it.each(CONFIGS)('give the same weights on $label as on js for one seed', (config) => {
    const draw = () => {
      ng.seed(21);
      return [nn.init.heNormal(), nn.init.glorotUniform(), nn.init.orthogonal()].map((i) => values(i.sample([7, 9])));
    };
    ng.setBackend('js');
    const want = draw();
    use(config);
    expect(draw()).toEqual(want);
  });
});

/** Every layer, with a seed-made instance and an input; outputs are compared with js. */
const LAYERS: [string, () => ng.nn.Module, () => ng.Tensor][] = [
  ['Linear', () => new nn.Linear(5, 7), () => rnd([6, 5], 1)],
  ['Linear no bias', () => new nn.Linear(5, 3, { bias: false }), () => rnd([4, 5], 2)],
  ['Linear relu (fused)', () => new nn.Linear(5, 7, { activation: 'relu', kernelInitializer: 'heNormal' }), () => rnd([6, 5], 3)],
  ['Linear sigmoid (fused)', () => new nn.Linear(4, 3, { activation: 'sigmoid' }), () => rnd([6, 4], 4)],
  ['Linear tanh (fused)', () => new nn.Linear(4, 3, { activation: 'tanh' }), () => rnd([6, 4], 5)],
  ['Linear leakyRelu (fused)', () => new nn.Linear(4, 3, { activation: 'leakyRelu' }), () => rnd([6, 4], 6)],
  ['Linear softmax', () => new nn.Linear(4, 3, { activation: 'softmax' }), () => rnd([6, 4], 7)],
  ['Linear elu', () => new nn.Linear(4, 3, { activation: 'elu' }), () => rnd([6, 4], 8)],
  ['Linear on [b, t, in]', () => new nn.Linear(4, 3), () => rnd([2, 3, 4], 9)],
  ['Dropout (training)', () => new nn.Dropout({ rate: 0.4 }), () => rnd([9, 11], 10)],
  ['BatchNorm1d (training)', () => new nn.BatchNorm1d(5, { weightInitializer: nn.init.randomUniform({ minval: 0.5, maxval: 1.5 }) }), () => rnd([8, 5], 11, 'float32', 2, 5)],
  ['BatchNorm1d [N, L, C]', () => new nn.BatchNorm1d(3), () => rnd([4, 6, 3], 12)],
  ['BatchNorm1d (eval)', () => new nn.BatchNorm1d(5, { biasInitializer: 'ones' }).eval(), () => rnd([8, 5], 13)],
  ['BatchNorm2d (training)', () => new nn.BatchNorm2d(4), () => rnd([2, 3, 5, 4], 14)],
  ['BatchNorm2d no affine', () => new nn.BatchNorm2d(4, { affine: false }), () => rnd([2, 3, 3, 4], 15)],
  ['Flatten', () => new nn.Flatten(), () => rnd([3, 2, 2, 5], 16)],
  ['ReLU', () => new nn.ReLU(), () => rnd([5, 6], 17)],
  ['LeakyReLU', () => new nn.LeakyReLU(0.2), () => rnd([5, 6], 18)],
  ['ELU', () => new nn.ELU(0.7), () => rnd([5, 6], 19)],
  ['Sigmoid', () => new nn.Sigmoid(), () => rnd([5, 6], 20, 'float32', -4, 4)],
  ['Tanh', () => new nn.Tanh(), () => rnd([5, 6], 21)],
  ['Softmax', () => new nn.Softmax(0), () => rnd([5, 6], 22)],
  ['LogSoftmax', () => new nn.LogSoftmax(), () => rnd([5, 6], 23)],
  ['Softplus', () => new nn.Softplus(), () => rnd([5, 6], 24, 'float32', -5, 5)],
  ['Identity', () => new nn.Identity(), () => rnd([5, 6], 25)],
];

describe.each(CONFIGS)('layers on $label', (config) => {
  it.each(LAYERS)('%s matches js', (_name, make, input) => {
    const run = () => {
      ng.seed(31);
      const layer = make();
      const y = layer.call(input());
      return { y: values(y), shape: y.shape, buffers: layer.buffers().map(values) };
    };
    ng.setBackend('js');
    const want = run();
    use(config);
    const got = run();
    expect(got.shape).toEqual(want.shape);
    expect(maxAbsDiff(got.y, want.y)).toBeLessThan(2e-6);
    got.buffers.forEach((b, i) => expect(maxAbsDiff(b, want.buffers[i]!)).toBeLessThan(2e-6));
  });

  it('Embedding looks up rows and accepts whole-number float indices', () => {
    use(config);
    ng.seed(5);
    const emb = new nn.Embedding(6, 3);
    const idx = ng.tensor([[0, 5, 2], [2, 2, 1]], { dtype: 'int32' });
    const y = emb.call(idx);
    expect(y.shape).toEqual([2, 3, 3]);
    const w = values(emb.weight);
    expect(values(y).slice(3, 6)).toEqual(w.slice(15, 18));
    expect(values(emb.call(ng.tensor([5, 2])))).toEqual([...w.slice(15, 18), ...w.slice(6, 9)]);
    y.sum().backward();
    // Row 2 was used three times, rows 3 and 4 never.
    expect(values(emb.weight.grad!)).toEqual([1, 1, 1, 1, 1, 1, 3, 3, 3, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
    expect(() => emb.call(ng.tensor([1.5]))).toThrow(/Embedding: indices must be whole numbers, got 1.5/);
    expect(() => emb.call(ng.tensor([6], { dtype: 'int32' }))).toThrow(/Embedding\(6, 3\): gather: index 6 .* out of range \[0, 6\)/);
  });

  it('Dropout masks are the same bits as on js for one seed, whatever the dtype', () => {
    const mask = (dtype: 'float32' | 'float64') => {
      ng.seed(77);
      return values(new nn.Dropout({ keepProb: 0.7 }).call(ng.ones([33, 17], dtype)));
    };
    ng.setBackend('js');
    const want = mask('float32');
    use(config);
    expect(mask('float32')).toEqual(want);
    expect(mask('float64')).toEqual(want);
    expect(want.filter((v) => v === 0).length).toBeGreaterThan(100);
  });

  it('layers reject wrong inputs with the layer and the shapes', () => {
    use(config);
    expect(() => new nn.Linear(3, 2).call(ng.zeros([4, 5]))).toThrow(/Linear\(3 → 2\): expected input \[\.\.\., 3\], got \[4,5\]/);
    expect(() => new nn.BatchNorm1d(3).call(ng.zeros([4, 5]))).toThrow(/BatchNorm1d\(3\): expected input \[N, C\] or \[N, L, C\] with C = 3, got \[4,5\]/);
    expect(() => new nn.BatchNorm2d(3).call(ng.zeros([4, 3]))).toThrow(/BatchNorm2d\(3\): expected input \[N, H, W, C\]/);
    expect(() => new nn.BatchNorm1d(3).call(ng.zeros([1, 3]))).toThrow(/batchNorm: training needs more than one value per channel/);
    expect(() => new nn.Dropout({ rate: 1 })).toThrow(/Dropout: rate must be in \[0, 1\)/);
    expect(() => new nn.Dropout({ rate: 0.2, keepProb: 0.8 })).toThrow(/give rate or keepProb, not both/);
    expect(() => new nn.Linear(0, 2)).toThrow(/Linear: inFeatures must be a positive integer, got 0/);
    expect(() => new nn.Linear(2, 2, { activation: 'gelu' as 'relu' })).toThrow(/activation: unknown activation "gelu"/);
    expect(() => new nn.Flatten().call(ng.scalar(1))).toThrow(/Flatten: expected input \[N, \.\.\.\]/);
  });
});

describe('Dropout', () => {
  it('drops the rate of units and scales the rest by 1/keepProb', () => {
    use(CONFIGS[0]!);
    ng.seed(9);
    const d = new nn.Dropout(0.3);
    const y = values(d.call(ng.ones([200, 500])));
    const zeros = y.filter((v) => v === 0).length / y.length;
    expect(Math.abs(zeros - 0.3)).toBeLessThan(0.005);  // sd of the fraction is 0.001
    expect(y.every((v) => v === 0 || v === Math.fround(1 / 0.7))).toBe(true);
    const mean = y.reduce((s, v) => s + v, 0) / y.length;
    expect(Math.abs(mean - 1)).toBeLessThan(0.01);
  });

  it('is the identity in eval mode and with rate 0, and a new seed draws a new mask', () => {
    ng.setBackend('js');
    const x = rnd([10, 10], 3);
    const d = new nn.Dropout({ rate: 0.5 });
    expect(d.eval().call(x)).toBe(x);
    expect(new nn.Dropout(0).call(x)).toBe(x);
    d.train();
    ng.seed(1);
    const a = values(d.call(x));
    ng.seed(1);
    const b = values(d.call(x));
    ng.seed(2);
    const c = values(d.call(x));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(new nn.Dropout({ keepProb: 0.8 }).rate).toBeCloseTo(0.2);
  });
});

/** Batch norm in float64 by hand: per-channel statistics over all axes but the last. */
function referenceBatchNorm(x: number[], c: number, gamma: number[], beta: number[], eps: number) {
  const n = x.length / c;
  const mean = Array.from({ length: c }, (_, j) => { let s = 0; for (let i = 0; i < n; i++) s += x[i * c + j]!; return s / n; });
  const variance = mean.map((m, j) => { let s = 0; for (let i = 0; i < n; i++) s += (x[i * c + j]! - m) ** 2; return s / n; });
  const y = x.map((v, k) => { const j = k % c; return (v - mean[j]!) / Math.sqrt(variance[j]! + eps) * gamma[j]! + beta[j]!; });
  return { y, mean, variance, unbiased: variance.map((v) => v * n / (n - 1)) };
}

describe.each(CONFIGS)('BatchNorm on $label against a float64 reference', (config) => {
  it('BatchNorm1d: batch statistics in training, running statistics (Keras momentum) in eval', () => {
    use(config);
    const c = 4;
    const bn = new nn.BatchNorm1d(c, { momentum: 0.8, eps: 1e-3, dtype: 'float64' });
    bn.weight!.overwrite([1, 2, 0.5, -1]);
    bn.bias!.overwrite([0, 1, -1, 0.5]);
    const gamma = [1, 2, 0.5, -1];
    const beta = [0, 1, -1, 0.5];
    let rm = [0, 0, 0, 0];
    let rv = [1, 1, 1, 1];
    for (let step = 0; step < 3; step++) {
      const x = rnd([10, c], 40 + step, 'float64', -2 + step, 3);
      const want = referenceBatchNorm(values(x), c, gamma, beta, 1e-3);
      expect(maxAbsDiff(values(bn.call(x)), want.y)).toBeLessThan(1e-12);
      rm = rm.map((r, j) => 0.8 * r + 0.2 * want.mean[j]!);
      rv = rv.map((r, j) => 0.8 * r + 0.2 * want.unbiased[j]!);
      expect(maxAbsDiff(values(bn.runningMean!), rm)).toBeLessThan(1e-13);
      expect(maxAbsDiff(values(bn.runningVar!), rv)).toBeLessThan(1e-13);
    }
    bn.eval();
    const x = rnd([3, c], 50, 'float64');
    const want = values(x).map((v, k) => { const j = k % c; return (v - rm[j]!) / Math.sqrt(rv[j]! + 1e-3) * gamma[j]! + beta[j]!; });
    expect(maxAbsDiff(values(bn.call(x)), want)).toBeLessThan(1e-12);
    // Eval mode leaves the running statistics alone.
    expect(maxAbsDiff(values(bn.runningMean!), rm)).toBeLessThan(1e-13);
    expect(maxAbsDiff(values(bn.runningVar!), rv)).toBeLessThan(1e-13);
  });

  it('BatchNorm2d normalizes NHWC over N, H and W; without running statistics eval uses the batch', () => {
    use(config);
    const x = rnd([2, 3, 4, 5], 60, 'float64', -3, 4);
    const bn = new nn.BatchNorm2d(5, { dtype: 'float64', trackRunningStats: false, affine: false });
    expect(bn.buffers()).toHaveLength(0);
    expect(bn.parameters()).toHaveLength(0);
    const want = referenceBatchNorm(values(x), 5, [1, 1, 1, 1, 1], [0, 0, 0, 0, 0], 1e-5);
    expect(maxAbsDiff(values(bn.call(x)), want.y)).toBeLessThan(1e-12);
    expect(maxAbsDiff(values(bn.eval().call(x)), want.y)).toBeLessThan(1e-12);
  });

  it('ng.batchNorm validates its arguments', () => {
    use(config);
    const x = ng.zeros([4, 3]);
    expect(() => ng.batchNorm(ng.zeros([4, 3], 'int32'))).toThrow(/batchNorm: x must be float32 or float64, got int32/);
    expect(() => ng.batchNorm(ng.zeros([3]))).toThrow(/batchNorm: x must be \[\.\.\., channels\] with at least 2 dims, got \[3\]/);
    expect(() => ng.batchNorm(x, { weight: ng.ones([4]) })).toThrow(/batchNorm: weight \[4\] must have one value per channel \(3\) of x \[4,3\]/);
    expect(() => ng.batchNorm(x, { training: false })).toThrow(/inference \(training: false\) needs runningMean and runningVar/);
    expect(() => ng.batchNorm(x, { runningMean: ng.zeros([3]) })).toThrow(/give both runningMean and runningVar/);
    expect(() => ng.batchNorm(x, { momentum: 2 })).toThrow(/momentum must be a number in \[0, 1\], got 2/);
    expect(() => ng.batchNorm(x, { eps: -1 })).toThrow(/eps must be a finite number >= 0, got -1/);
  });
});

describe.each(CONFIGS)('memory on $label', (config) => {
  it('a training step inside tidy (batch norm, dropout, regularization, in-place update) leaves no tensor behind', () => {
    use(config);
    ng.seed(3);
    const model = new nn.Sequential(
      new nn.Linear(4, 8, { bias: false, kernelRegularizer: nn.regularizers.l2(1e-3) }), new nn.BatchNorm1d(8),
      new nn.ReLU(), new nn.Dropout(0.2), new nn.Linear(8, 3));
    const x = rnd([16, 4], 70);
    const labels = ng.tensor(Array.from({ length: 16 }, (_, i) => i % 3), { dtype: 'int32' });
    const step = () => ng.tidy(() => {
      model.train();
      const loss = ng.losses.categoricalCrossentropy(model.call(x), labels, { fromLogits: true }).add(model.regularizationLoss()!);
      loss.backward();
      ng.noGrad(() => {
        for (const p of model.parameters()) {
          p.overwrite(p.sub(p.grad!.mul(0.1)).dataSync());
          p.zeroGrad();
        }
      });
      model.eval();
      model.call(x);
    });
    step();
    const before = ng.memory().numTensors;
    for (let i = 0; i < 10; i++) step();
    expect(ng.memory().numTensors).toBe(before);
  });
});
