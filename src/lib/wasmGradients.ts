// Gradients on tfjs's WASM backend, for saliency maps. WASM lacks two gradient kernels the model needs (a depthwise
// convolution's input gradient; a convolution's filter gradient, which tfjs's fused convolution computes even when
// only the input's is asked for), so the maps had to be made on WebGL, which in software took minutes; and its
// convolution input gradient is a plain loop, 8 times slower than XNNPACK's convolution for the 1x1 convolutions
// that make most of the model. Each kernel here is made of WASM's own (XNNPACK) kernels.
import * as tf from '@tensorflow/tfjs';

type Info = tf.TensorInfo;
type Shape4 = [number, number, number, number];
interface ConvAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: [number, number] | number;
}

/** Runs other kernels of the same backend, and disposes what it made once the caller is done. */
class KernelCalls {
  private made: Info[] = [];
  constructor(
    private readonly backendName: string,
    private readonly backend: tf.KernelBackend,
  ) {}
  /** A kernel that throws leaves nothing behind: what was made before it is disposed (tfjs does not track it). */
  run(name: string, inputs: tf.NamedTensorInfoMap, attrs: object = {}): Info {
    try {
      const out = tf.getKernel(name, this.backendName)!.kernelFunc({
        inputs,
        backend: this.backend,
        attrs: attrs as tf.NamedAttrMap,
      }) as Info;
      this.made.push(out);
      return out;
    } catch (e) {
      this.done(null);
      throw e;
    }
  }
  /** Dispose every intermediate, returning `result`. */
  done<T extends Info | null>(result: T): T {
    for (const t of this.made) if (t !== result) this.backend.disposeData(t.dataId);
    this.made = [];
    return result;
  }
}

/**
 * The depthwise convolution's input gradient: the convolution, with the filter turned by 180 degrees, of the output's
 * gradient spread out by the stride (zeros between) and padded so that every input pixel is reached.
 */
function depthwiseBackpropInput(backendName: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: Info; filter: Info };
    const { strides, pad, dimRoundingMode, dilations, inputShape } = attrs as unknown as ConvAttrs & {
      inputShape: Shape4;
    };
    const conv = tf.backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as Shape4,
      strides,
      dilations ?? 1,
      pad,
      dimRoundingMode,
      true,
    );
    const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = conv;
    const before = [fh - 1 - conv.padInfo.top, fw - 1 - conv.padInfo.left];
    if (filter.shape[3] !== 1 || conv.dilationHeight !== 1 || conv.dilationWidth !== 1 || Math.min(...before) < 0)
      throw new Error('this depthwise gradient takes a channel multiplier of 1, no dilation and no wide padding only');
    const k = new KernelCalls(backendName, backend as tf.KernelBackend);
    // dy [n, outH, outW, c] spread to [n, outH * sh, outW * sw, c], with sh - 1 rows and sw - 1 columns of zeros
    // after each (padded in 6-d: BatchToSpaceND's 6-d transpose takes 50 times as long).
    const [n, oh, ow, c] = dy.shape;
    const spread =
      sh * sw === 1
        ? dy
        : k.run(
            'Reshape',
            {
              x: k.run(
                'PadV2',
                { x: k.run('Reshape', { x: dy }, { shape: [n, oh, 1, ow, 1, c] }) },
                {
                  paddings: [
                    [0, 0],
                    [0, 0],
                    [0, sh - 1],
                    [0, 0],
                    [0, sw - 1],
                    [0, 0],
                  ],
                  constantValue: 0,
                },
              ),
            },
            { shape: [n, oh * sh, ow * sw, c] },
          );
    // dx[i] = sum over u of spread[i + u - (f - 1 - padBefore)] * filter[f - 1 - u]: padded before by
    // f - 1 - padBefore, and after so as to reach the last input pixel (or cut where it reaches past it).
    const after = [
      inputShape[1] + fh - 1 - before[0] - spread.shape[1],
      inputShape[2] + fw - 1 - before[1] - spread.shape[2],
    ];
    const reaching =
      after[0] < 0 || after[1] < 0
        ? k.run(
            'Slice',
            { x: spread },
            {
              begin: [0, 0, 0, 0],
              size: [n, spread.shape[1] + Math.min(0, after[0]), spread.shape[2] + Math.min(0, after[1]), c],
            },
          )
        : spread;
    const turned = k.run('Reverse', { x: filter }, { dims: [0, 1] });
    const padding = [
      [0, 0],
      [before[0], Math.max(0, after[0])],
      [before[1], Math.max(0, after[1])],
      [0, 0],
    ];
    return k.done(
      k.run('DepthwiseConv2dNative', { x: reaching, filter: turned }, { strides: 1, dilations: 1, pad: padding }),
    );
  };
}

/**
 * The convolution's filter gradient, dW[a, b, i, o] = sum over pixels p of x[stride * p + (a, b) - pad, i] dy[p, o]:
 * itself a convolution, of x with channels and batch swapped by dy as the filter, dilated by the stride.
 */
function convBackpropFilter(backendName: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: Info; dy: Info };
    const { strides, pad, dimRoundingMode, filterShape } = attrs as unknown as ConvAttrs & { filterShape: Shape4 };
    const conv = tf.backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, strides, 1, pad, dimRoundingMode);
    const k = new KernelCalls(backendName, backend as tf.KernelBackend);
    const { top, bottom, left, right } = conv.padInfo;
    const [fh, fw] = filterShape;
    if (fh * fw * conv.strideHeight * conv.strideWidth === 1 && !(top || bottom || left || right)) {
      // 1x1 (most of the model): dW = x^T dy over pixels, as a matrix product, which XNNPACK does untransposed
      // only, fastest with the narrower matrix transposed: dW [in, out] = x^T dy, or dW^T [out, in] = dy^T x.
      const [n, h, w, co] = dy.shape;
      const ci = x.shape[3];
      const rows = (t: Info, c: number): Info => k.run('Reshape', { x: t }, { shape: [n * h * w, c] });
      const T = (t: Info): Info => k.run('Transpose', { x: t }, { perm: [1, 0] });
      if (ci <= co)
        return k.done(
          k.run(
            'Reshape',
            { x: k.run('BatchMatMul', { a: T(rows(x, ci)), b: rows(dy, co) }, {}) },
            { shape: filterShape },
          ),
        );
      const dwT = k.run('BatchMatMul', { a: T(rows(dy, co)), b: rows(x, ci) }, {});
      return k.done(k.run('Reshape', { x: T(dwT) }, { shape: filterShape }));
    }
    const swapped = k.run(
      'Conv2D',
      {
        x: k.run('Transpose', { x }, { perm: [3, 1, 2, 0] }),
        filter: k.run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] }),
      },
      {
        strides: 1,
        dilations: [conv.strideHeight, conv.strideWidth],
        pad: [
          [0, 0],
          [top, bottom],
          [left, right],
          [0, 0],
        ],
        dataFormat: 'NHWC',
      },
    );
    // [in channels, >= filter height, >= filter width, out channels]: more where the stride skips the last pixels
    const [ci, h, w, co] = swapped.shape;
    const cut =
      h > fh || w > fw ? k.run('Slice', { x: swapped }, { begin: [0, 0, 0, 0], size: [ci, fh, fw, co] }) : swapped;
    return k.done(k.run('Transpose', { x: cut }, { perm: [1, 2, 0, 3] }));
  };
}

/** The convolution's input gradient, for a 1x1 filter at stride 1: a 1x1 convolution by the transposed filter. */
function pointwiseBackpropInput(backendName: string, general: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { dy, filter } = args.inputs as { dy: Info; filter: Info };
    const { inputShape, dataFormat } = args.attrs as unknown as { inputShape: Shape4; dataFormat?: string };
    // 1x1, and dy as large as x: stride 1, no padding
    const pointwise = filter.shape[0] === 1 && filter.shape[1] === 1 && dy.shape[1] === inputShape[1];
    if (!pointwise || dy.shape[2] !== inputShape[2] || (dataFormat ?? 'NHWC') !== 'NHWC') return general(args);
    const k = new KernelCalls(backendName, args.backend as tf.KernelBackend);
    const turned = k.run('Transpose', { x: filter }, { perm: [0, 1, 3, 2] });
    return k.done(
      k.run('Conv2D', { x: dy, filter: turned }, { strides: 1, pad: 'valid', dilations: 1, dataFormat: 'NHWC' }),
    );
  };
}

let added = false;

/**
 * Make gradients through the model work, and fast, on tfjs's WASM backend (call once WASM's kernels are
 * registered, i.e. after importing @tensorflow/tfjs-backend-wasm). Other backends have their own already.
 */
export function addWasmGradients(): void {
  const backendName = 'wasm';
  const general = tf.getKernel('Conv2DBackpropInput', backendName);
  if (added || !general) return;
  added = true;
  const missing = {
    DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput,
    Conv2DBackpropFilter: convBackpropFilter,
  };
  for (const [kernelName, make] of Object.entries(missing))
    if (!tf.getKernel(kernelName, backendName))
      tf.registerKernel({ kernelName, backendName, kernelFunc: make(backendName) });
  tf.unregisterKernel('Conv2DBackpropInput', backendName);
  tf.registerKernel({ ...general, kernelFunc: pointwiseBackpropInput(backendName, general.kernelFunc) });
}
