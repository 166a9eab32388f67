// Fold each inference-mode BatchNormalization into the convolution before it, on the loaded model
// artifacts, before tfjs builds the model: one op instead of two per convolution, about 1.5x faster
// on the WASM backend. The file on disk keeps the batch norms because its 8-bit kernels are
// quantized per tensor, and a folded kernel (each output channel scaled by its own batch norm)
// quantizes far worse (validation MAE 4.63 -> 4.76 when folded before quantizing).
import * as tf from '@tensorflow/tfjs';

type NodeRef = [string, ...unknown[]];

interface LayerJson {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes: NodeRef[][];
}

interface TopologyJson {
  config: { layers: LayerJson[]; output_layers: NodeRef[] };
}

const CONVOLUTIONS = new Set(['Conv2D', 'DepthwiseConv2D']);
const BN_WEIGHTS = ['gamma', 'beta', 'moving_mean', 'moving_variance'];

/** The same model with every linear Conv2D/DepthwiseConv2D -> BatchNormalization pair merged into the convolution. */
export async function foldBatchNorm(artifacts: tf.io.ModelArtifacts): Promise<tf.io.ModelArtifacts> {
  if (!artifacts.weightSpecs || !artifacts.weightData) return artifacts;
  const topology = structuredClone(artifacts.modelTopology) as TopologyJson | undefined; // edited in place below
  if (!topology?.config?.layers) return artifacts;
  const layers = topology.config.layers;
  const byName = new Map(layers.map((l) => [l.name, l]));
  const consumers = new Map<string, number>();
  for (const l of layers)
    for (const node of l.inbound_nodes) for (const [src] of node) consumers.set(src, (consumers.get(src) ?? 0) + 1);
  const foldable = (bn: LayerJson): LayerJson | undefined => {
    const [node] = bn.inbound_nodes;
    const conv = bn.inbound_nodes.length === 1 && node.length === 1 ? byName.get(node[0][0]) : undefined;
    const fits =
      bn.class_name === 'BatchNormalization' &&
      (bn.config.axis === -1 || bn.config.axis === 3) &&
      conv &&
      CONVOLUTIONS.has(conv.class_name) &&
      consumers.get(conv.name) === 1 &&
      !conv.config.use_bias &&
      conv.config.activation === 'linear' &&
      (conv.config.depth_multiplier ?? 1) === 1;
    return fits ? conv : undefined;
  };

  const weights = tf.io.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
  const renamed = new Map<string, string>(); // removed batch norm -> the convolution now producing its output
  const kept: LayerJson[] = [];
  for (const layer of layers) {
    const conv = foldable(layer);
    if (!conv) {
      kept.push(layer);
      continue;
    }
    const kernelName = `${conv.name}/${conv.class_name === 'DepthwiseConv2D' ? 'depthwise_kernel' : 'kernel'}`;
    const [gamma, beta, mean, variance] = BN_WEIGHTS.map((w) => weights[`${layer.name}/${w}`]);
    const kernel = weights[kernelName];
    [weights[kernelName], weights[`${conv.name}/bias`]] = tf.tidy(() => {
      let scale = tf.rsqrt(variance.add(layer.config.epsilon as number));
      if (gamma) scale = scale.mul(gamma); // absent when the layer was built with scale: false
      const bias = beta ? beta.sub(mean.mul(scale)) : mean.mul(scale).neg();
      // Conv2D kernels are [h, w, in, out]; depthwise ones [h, w, channels, 1]: scale the output channel.
      return [kernel.mul(conv.class_name === 'DepthwiseConv2D' ? scale.reshape([1, 1, -1, 1]) : scale), bias];
    });
    tf.dispose([kernel, gamma, beta, mean, variance].filter((t) => t));
    for (const w of BN_WEIGHTS) delete weights[`${layer.name}/${w}`];
    conv.config = { ...conv.config, use_bias: true };
    renamed.set(layer.name, conv.name);
  }
  const { data, specs } = await tf.io.encodeWeights(weights);
  tf.dispose(Object.values(weights));
  const rename = (ref: NodeRef): NodeRef => [renamed.get(ref[0]) ?? ref[0], ...ref.slice(1)];
  for (const l of kept) l.inbound_nodes = l.inbound_nodes.map((node) => node.map(rename));
  return {
    ...artifacts,
    modelTopology: {
      ...topology,
      config: { ...topology.config, layers: kept, output_layers: topology.config.output_layers.map(rename) },
    },
    weightSpecs: specs,
    weightData: data,
  };
}
