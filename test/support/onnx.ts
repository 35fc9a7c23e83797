/**
 * Tiny ONNX models built in the test, so no weights are downloaded: the few ONNX messages a graph
 * of standard operators needs (field numbers as in onnx/onnx's onnx.proto3), encoded by protobufjs.
 */
import protobuf from 'protobufjs';

const ONNX_PROTO = `
syntax = "proto3";
package onnx;
message AttributeProto {
  enum AttributeType { UNDEFINED = 0; FLOAT = 1; INT = 2; STRING = 3; TENSOR = 4; GRAPH = 5; FLOATS = 6; INTS = 7; }
  string name = 1;
  float f = 2;
  int64 i = 3;
  TensorProto t = 5;
  repeated float floats = 7;
  repeated int64 ints = 8;
  AttributeType type = 20;
}
message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  string name = 3;
  string op_type = 4;
  repeated AttributeProto attribute = 5;
}
message TensorProto {
  repeated int64 dims = 1;
  int32 data_type = 2;
  repeated float float_data = 4;
  repeated int64 int64_data = 7;
  string name = 8;
}
message TensorShapeProto {
  message Dimension { int64 dim_value = 1; }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor { int32 elem_type = 1; TensorShapeProto shape = 2; }
  Tensor tensor_type = 1;
}
message ValueInfoProto { string name = 1; TypeProto type = 2; }
message GraphProto {
  repeated NodeProto node = 1;
  string name = 2;
  repeated TensorProto initializer = 5;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
}
message OperatorSetIdProto { string domain = 1; int64 version = 2; }
message ModelProto {
  int64 ir_version = 1;
  string producer_name = 2;
  GraphProto graph = 7;
  repeated OperatorSetIdProto opset_import = 8;
}
`;

const ModelProto = protobuf.parse(ONNX_PROTO, { keepCase: true }).root.lookupType('onnx.ModelProto');

/** TensorProto.DataType */
const FLOAT = 1;
const INT64 = 7;
/** IR version 8 with opset 13: ReduceMean still takes `axes` as an attribute. */
const IR_VERSION = 8;
const OPSET = 13;

export interface Node {
  op: string;
  inputs: string[];
  output: string;
  /** Integer-list attributes (`axes`), the only kind these graphs need. */
  ints?: Record<string, number[]>;
}

export interface Constant {
  name: string;
  dims: number[];
  values: number[];
  type?: 'float' | 'int64';
}

export interface Graph {
  input: { name: string; dims: number[] };
  output: { name: string; dims: number[] };
  nodes: Node[];
  constants: Constant[];
}

const valueInfo = (name: string, dims: number[]) => ({
  name,
  type: { tensor_type: { elem_type: FLOAT, shape: { dim: dims.map((d) => ({ dim_value: d })) } } },
});

/** The `.onnx` bytes of a float32 graph with one input and one output. */
export function onnxModel(graph: Graph): Uint8Array {
  const message = {
    ir_version: IR_VERSION,
    producer_name: 'rekognition-local tests',
    opset_import: [{ domain: '', version: OPSET }],
    graph: {
      name: 'test',
      input: [valueInfo(graph.input.name, graph.input.dims)],
      output: [valueInfo(graph.output.name, graph.output.dims)],
      initializer: graph.constants.map((c) =>
        c.type === 'int64' ? { name: c.name, dims: c.dims, data_type: INT64, int64_data: c.values } : { name: c.name, dims: c.dims, data_type: FLOAT, float_data: c.values },
      ),
      node: graph.nodes.map((n, i) => ({
        name: `n${i}`,
        op_type: n.op,
        input: n.inputs,
        output: [n.output],
        attribute: Object.entries(n.ints ?? {}).map(([name, ints]) => ({ name, ints, type: 7 })),
      })),
    },
  };
  const error = ModelProto.verify(message);
  if (error) throw new Error(`onnx model: ${error}`);
  return ModelProto.encode(ModelProto.fromObject(message)).finish();
}

/**
 * A YOLO-style detector whose output depends on the image: every value of the [1, N, K] (or, with
 * `columns`, [1, K, N]) output is `base + slope * m`, m being the mean of the input tensor. With
 * pixels scaled to 0-1, a row `[cx, cy, w, h, ...scores]` whose score slope is 1 scores the image's
 * brightness, one with base 1 and slope -1 its darkness.
 */
export function brightnessDetector(options: { size: number; rows: { base: number[]; slope: number[] }[]; columns?: boolean }): Uint8Array {
  const { size, rows, columns } = options;
  const n = rows.length;
  const k = rows[0].base.length;
  const matrix = (pick: (r: { base: number[]; slope: number[] }) => number[]) => {
    if (!columns) return rows.flatMap((r) => pick(r));
    return Array.from({ length: k }, (_, j) => rows.map((r) => pick(r)[j])).flat();
  };
  const dims = columns ? [1, k, n] : [1, n, k];
  return onnxModel({
    input: { name: 'images', dims: [1, 3, size, size] },
    output: { name: 'output0', dims },
    constants: [
      { name: 'base', dims, values: matrix((r) => r.base) },
      { name: 'slope', dims, values: matrix((r) => r.slope) },
      { name: 'shape', dims: [3], values: [1, 1, 1], type: 'int64' },
    ],
    nodes: [
      { op: 'ReduceMean', inputs: ['images'], output: 'mean4', ints: { axes: [1, 2, 3] } },
      { op: 'Reshape', inputs: ['mean4', 'shape'], output: 'mean' },
      { op: 'Mul', inputs: ['slope', 'mean'], output: 'scaled' },
      { op: 'Add', inputs: ['base', 'scaled'], output: 'output0' },
    ],
  });
}
