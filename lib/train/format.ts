import type { Logs } from './types.js';

/** A metric value as Keras prints it: 4 decimals, or scientific notation below 1e-3. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) > 1e-3 ? v.toFixed(4) : v.toExponential(4);
}

/** ' - loss: 0.1234 - accuracy: 0.9000' for the entries of logs that are metrics. */
export function formatLogs(logs: Logs): string {
  let out = '';
  for (const [k, v] of Object.entries(logs)) {
    if (k === 'batch' || k === 'size' || typeof v !== 'number') continue;
    out += ` - ${k}: ${formatValue(v)}`;
  }
  return out;
}

/** Remaining time as Keras shows it: '42s', '3:05', '1:02:03'. */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  if (s >= 60) return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  return `${s}s`;
}

/** Time per step: '850us/step', '12ms/step', '2s/step'. */
export function formatPerStep(seconds: number): string {
  if (seconds >= 1) return `${Math.round(seconds)}s/step`;
  if (seconds >= 1e-3) return `${Math.round(seconds * 1e3)}ms/step`;
  return `${Math.round(seconds * 1e6)}us/step`;
}

/** Throughput: '1234 samples/s', '12.3k samples/s'. */
export function formatRate(samplesPerSecond: number): string {
  if (!Number.isFinite(samplesPerSecond)) return '- samples/s';
  if (samplesPerSecond >= 1e4) return `${(samplesPerSecond / 1e3).toFixed(1)}k samples/s`;
  return `${Math.round(samplesPerSecond)} samples/s`;
}

/**
 * Fills a Keras-style path template: '{epoch:02d}' (1-based), '{val_loss:.4f}', '{batch}'.
 * Formats: none (the number as is), 'Nd'/'0Nd' (integer, padded), '.Nf', '.Ne'.
 */
export function formatTemplate(op: string, template: string, values: Logs): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}/g, (_, key: string, spec: string | undefined) => {
    const v = values[key];
    if (v === undefined) {
      throw new Error(`${op}: the path '${template}' uses {${key}}, which is not among the logs (${Object.keys(values).join(', ')})`);
    }
    if (spec === undefined || spec === '') return String(v);
    let m = /^(0?)(\d*)d$/.exec(spec);
    if (m) return String(Math.round(v)).padStart(Number(m[2] || 0), m[1] ? '0' : ' ');
    m = /^\.(\d+)([fe])$/.exec(spec);
    if (m) return m[2] === 'f' ? v.toFixed(Number(m[1])) : v.toExponential(Number(m[1]));
    throw new Error(`${op}: unsupported format '{${key}:${spec}}' in '${template}' (use d, 0Nd, .Nf or .Ne)`);
  });
}
