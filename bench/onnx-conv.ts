// A one-node ONNX model (Conv, NCHW, opset 13) written as protobuf bytes by hand, so that
// bench/conv.ts can time onnxruntime-node without a protobuf dependency. Only the fields
// the model needs are encoded (see onnx/onnx.proto: ModelProto, GraphProto, NodeProto,
// AttributeProto, TensorProto, ValueInfoProto, TypeProto, TensorShapeProto).

/** Protobuf wire encoding: varints, and fields as (number << 3 | wire type). */
class Writer {
  private readonly bytes: number[] = [];

  varint(v: number): this {
    if (v < 0 || !Number.isSafeInteger(v)) throw new Error(`onnx-conv: cannot encode ${v} as a varint`);
    while (v >= 0x80) {
      this.bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.bytes.push(v);
    return this;
  }

  /** A varint field (wire type 0). */
  int(field: number, v: number): this {
    return this.varint(field << 3).varint(v);
  }

  /** A length-delimited field (wire type 2): a string, bytes or an embedded message. */
  bytesField(field: number, data: Uint8Array): this {
    this.varint((field << 3) | 2).varint(data.length);
    for (const b of data) this.bytes.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytesField(field, new TextEncoder().encode(s));
  }

  message(field: number, build: (w: Writer) => void): this {
    const w = new Writer();
    build(w);
    return this.bytesField(field, w.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

const FLOAT = 1;  // TensorProto.DataType.FLOAT
const ATTR_INTS = 7;  // AttributeProto.AttributeType.INTS

function intsAttribute(w: Writer, name: string, values: readonly number[]): void {
  w.message(5, (a) => {  // NodeProto.attribute
    a.string(1, name);  // AttributeProto.name
    for (const v of values) a.int(8, v);  // AttributeProto.ints
    a.int(20, ATTR_INTS);  // AttributeProto.type
  });
}

function valueInfo(w: Writer, field: number, name: string, dims: readonly number[]): void {
  w.message(field, (v) => {
    v.string(1, name);  // ValueInfoProto.name
    v.message(2, (t) => t.message(1, (tt) => {  // TypeProto.tensor_type
      tt.int(1, FLOAT);  // elem_type
      tt.message(2, (shape) => {  // TensorShapeProto
        for (const d of dims) shape.message(1, (dim) => dim.int(1, d));  // dim { dim_value }
      });
    }));
  });
}

function initializer(w: Writer, name: string, dims: readonly number[], data: Float32Array): void {
  w.message(5, (t) => {  // GraphProto.initializer
    for (const d of dims) t.int(1, d);  // TensorProto.dims
    t.int(2, FLOAT);  // data_type
    t.string(8, name);  // name
    t.bytesField(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));  // raw_data (little-endian)
  });
}

export interface OnnxConvSpec {
  batch: number;
  inC: number;
  inH: number;
  inW: number;
  outC: number;
  kh: number;
  kw: number;
  strides: [number, number];
  dilations: [number, number];
  /** [top, left, bottom, right], ONNX's order. */
  pads: [number, number, number, number];
  outH: number;
  outW: number;
  /** OIHW weights [outC, inC, kh, kw]. */
  weights: Float32Array;
  bias?: Float32Array;
}

/** Y = Conv(X, W, B) with X [batch, inC, inH, inW] as the one input and W, B as initializers. */
export function onnxConvModel(s: OnnxConvSpec): Uint8Array {
  const w = new Writer();
  w.int(1, 7);  // ModelProto.ir_version
  w.string(2, 'nodegrad-bench');  // producer_name
  w.message(8, (o) => {  // opset_import
    o.string(1, '');
    o.int(2, 13);
  });
  w.message(7, (g) => {  // ModelProto.graph
    g.message(1, (n) => {  // GraphProto.node
      n.string(1, 'X');
      n.string(1, 'W');
      if (s.bias) n.string(1, 'B');
      n.string(2, 'Y');
      n.string(3, 'conv');
      n.string(4, 'Conv');
      intsAttribute(n, 'kernel_shape', [s.kh, s.kw]);
      intsAttribute(n, 'strides', s.strides);
      intsAttribute(n, 'dilations', s.dilations);
      intsAttribute(n, 'pads', s.pads);
    });
    g.string(2, 'conv');
    initializer(g, 'W', [s.outC, s.inC, s.kh, s.kw], s.weights);
    if (s.bias) initializer(g, 'B', [s.outC], s.bias);
    valueInfo(g, 11, 'X', [s.batch, s.inC, s.inH, s.inW]);
    valueInfo(g, 12, 'Y', [s.batch, s.outC, s.outH, s.outW]);
  });
  return w.finish();
}
