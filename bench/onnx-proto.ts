// A small ONNX model writer: the protobuf bytes of a ModelProto written by hand, so that the
// benchmarks can run onnxruntime-node on models built in memory without a protobuf dependency.
// Only the fields these models need are encoded; field numbers follow onnx/onnx.proto
// (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto, TypeProto,
// TensorShapeProto, OperatorSetIdProto).

/** Protobuf wire encoding: varints, fixed32 and length-delimited fields. */
class Writer {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  private push(part: Uint8Array): this {
    this.parts.push(part);
    this.length += part.length;
    return this;
  }

  /** An unsigned varint; negative int64 values are written as 10-byte two's complement. */
  varint(v: number | bigint): this {
    if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new Error(`onnx-proto: cannot encode ${v} as an integer`);
    let u = BigInt.asUintN(64, BigInt(v));
    const bytes: number[] = [];
    while (u >= 0x80n) {
      bytes.push(Number(u & 0x7fn) | 0x80);
      u >>= 7n;
    }
    bytes.push(Number(u));
    return this.push(Uint8Array.from(bytes));
  }

  private key(field: number, wireType: number): this {
    return this.varint((field << 3) | wireType);
  }

  /** A varint field (wire type 0): int32/int64/enum. */
  int(field: number, v: number | bigint): this {
    return this.key(field, 0).varint(v);
  }

  /** A float field (wire type 5, little-endian). */
  float(field: number, v: number): this {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, v, true);
    return this.key(field, 5).push(bytes);
  }

  /** A length-delimited field (wire type 2): bytes, a string or an embedded message. */
  bytes(field: number, data: Uint8Array): this {
    return this.key(field, 2).varint(data.length).push(data.slice());
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, build: (w: Writer) => void): this {
    const w = new Writer();
    build(w);
    return this.bytes(field, w.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const part of this.parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
}

/** Encodes one unsigned or signed (int64) integer as protobuf varint bytes; exported for tests. */
export function varintBytes(v: number | bigint): Uint8Array {
  return new Writer().varint(v).finish();
}

/** TensorProto.DataType values used here. */
const DATA_TYPE = { float32: 1, int32: 6, int64: 7 } as const;
export type OnnxDataType = keyof typeof DATA_TYPE;

/** An initializer: a named constant tensor stored as raw little-endian bytes. */
export interface OnnxTensor {
  name: string;
  dims: readonly number[];
  data: Float32Array | Int32Array | BigInt64Array;
}

/** A node attribute; the value's JavaScript type picks the AttributeProto type. */
export type OnnxAttributeValue =
  | { int: number | bigint }
  | { float: number }
  | { string: string }
  | { ints: readonly (number | bigint)[] }
  | { floats: readonly number[] };

export interface OnnxNode {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name?: string;
  attributes?: Readonly<Record<string, OnnxAttributeValue>>;
}

/** A graph input or output: its element type and shape; a string dim is symbolic (dim_param). */
export interface OnnxValueInfo {
  name: string;
  dims: readonly (number | string)[];
  dtype?: OnnxDataType;
}

export interface OnnxGraph {
  name: string;
  nodes: readonly OnnxNode[];
  initializers?: readonly OnnxTensor[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
}

export interface OnnxModelOptions {
  /** Default opset 13 (ONNX 1.8), which goes with IR version 7. */
  opset?: number;
  irVersion?: number;
  producer?: string;
}

// AttributeProto.AttributeType
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

function dataTypeOf(data: OnnxTensor['data']): number {
  if (data instanceof Float32Array) return DATA_TYPE.float32;
  if (data instanceof Int32Array) return DATA_TYPE.int32;
  return DATA_TYPE.int64;
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

function writeTensor(t: Writer, tensor: OnnxTensor): void {
  const count = tensor.dims.reduce((a, b) => a * b, 1);
  if (tensor.data.length !== count) {
    throw new Error(`onnx-proto: initializer '${tensor.name}' has dims [${tensor.dims.join(', ')}] (${count} elements) but ${tensor.data.length} values`);
  }
  if (!isLittleEndian()) throw new Error('onnx-proto: raw_data is little-endian; this host is big-endian');
  for (const d of tensor.dims) t.int(1, d);  // TensorProto.dims
  t.int(2, dataTypeOf(tensor.data));  // data_type
  t.string(8, tensor.name);  // name
  const { buffer, byteOffset, byteLength } = tensor.data;
  t.bytes(9, new Uint8Array(buffer, byteOffset, byteLength));  // raw_data
}

function writeAttribute(a: Writer, name: string, value: OnnxAttributeValue): void {
  a.string(1, name);  // AttributeProto.name
  if ('int' in value) {
    a.int(3, value.int).int(20, ATTR.INT);  // i
  } else if ('float' in value) {
    a.float(2, value.float).int(20, ATTR.FLOAT);  // f
  } else if ('string' in value) {
    a.string(4, value.string).int(20, ATTR.STRING);  // s
  } else if ('ints' in value) {
    for (const v of value.ints) a.int(8, v);  // ints (unpacked, as proto2 writes them)
    a.int(20, ATTR.INTS);
  } else {
    for (const v of value.floats) a.float(7, v);  // floats
    a.int(20, ATTR.FLOATS);
  }
}

function writeNode(n: Writer, node: OnnxNode, index: number): void {
  for (const input of node.inputs) n.string(1, input);  // NodeProto.input
  for (const output of node.outputs) n.string(2, output);  // output
  n.string(3, node.name ?? `${node.opType.toLowerCase()}_${index}`);  // name
  n.string(4, node.opType);  // op_type
  for (const [name, value] of Object.entries(node.attributes ?? {})) n.message(5, (a) => writeAttribute(a, name, value));
}

function writeValueInfo(v: Writer, info: OnnxValueInfo): void {
  v.string(1, info.name);  // ValueInfoProto.name
  v.message(2, (type) => type.message(1, (tensor) => {  // TypeProto.tensor_type
    tensor.int(1, DATA_TYPE[info.dtype ?? 'float32']);  // elem_type
    tensor.message(2, (shape) => {  // TensorShapeProto
      for (const d of info.dims) {
        shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));  // dim_value | dim_param
      }
    });
  }));
}

/** The bytes of a ModelProto holding one graph, ready for InferenceSession.create(bytes). */
export function encodeModel(graph: OnnxGraph, options: OnnxModelOptions = {}): Uint8Array {
  const w = new Writer();
  w.int(1, options.irVersion ?? 7);  // ModelProto.ir_version
  w.string(2, options.producer ?? 'nodegrad-bench');  // producer_name
  w.message(7, (g) => {  // graph
    graph.nodes.forEach((node, i) => g.message(1, (n) => writeNode(n, node, i)));  // GraphProto.node
    g.string(2, graph.name);  // name
    for (const t of graph.initializers ?? []) g.message(5, (m) => writeTensor(m, t));  // initializer
    for (const info of graph.inputs) g.message(11, (m) => writeValueInfo(m, info));  // input
    for (const info of graph.outputs) g.message(12, (m) => writeValueInfo(m, info));  // output
  });
  w.message(8, (o) => o.string(1, '').int(2, options.opset ?? 13));  // opset_import { domain: '', version }
  return w.finish();
}
