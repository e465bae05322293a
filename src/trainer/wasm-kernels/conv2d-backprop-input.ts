import { backend_util, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import {
  asKernelFunc,
  callKernel,
  callOriginal,
  free,
  transpose,
  type ConvPadding,
  type DimRoundingMode,
  type WasmKernelArgs,
} from './kernel-calls.ts';

interface Conv2dBackpropInputAttrs {
  strides: number | [number, number];
  pad: ConvPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: DimRoundingMode;
  inputShape: [number, number, number, number];
}

type Args = WasmKernelArgs<{ dy: TensorInfo; filter: TensorInfo }, Conv2dBackpropInputAttrs>;
type Shape4 = [number, number, number, number];

/**
 * The input gradient of a 2D convolution (also the forward pass of conv2dTranspose) as one
 * XNNPACK convolution: of dy with stride-1 zeros inserted between its rows and columns, padded,
 * by the filter reversed in space with its in/out channels swapped. The wasm backend's own
 * kernel is a plain loop, about ten times slower at stride 1 (3x3, [64,14,14,16]: 27 ms there,
 * 2.8 ms here); it stays in charge of NCHW, which the wasm Conv2D this relies on does not take.
 * At stride s, all but 1/s^2 of the multiplications are by the inserted zeros (stride 2: 33 ms
 * there, 11.5 ms here); one convolution per stride phase would avoid them, but our models do not
 * use strided convolutions.
 */
export function makeConv2dBackpropInputConfig(original: KernelConfig | undefined): KernelConfig {
  const kernel = (args: Args): TensorInfo => {
    if (args.attrs.dataFormat === 'NCHW') {
      if (!original) {
        throw new Error('Conv2DBackpropInput on wasm: NCHW (channels first) is not supported');
      }
      return callOriginal(original, args);
    }
    return conv2dBackpropInput(args);
  };
  return {
    kernelName: 'Conv2DBackpropInput',
    backendName: 'wasm',
    // The original's setup binds its wasm function; it must still run for the NCHW fallback.
    ...(original?.setupFunc ? { setupFunc: original.setupFunc } : {}),
    kernelFunc: asKernelFunc(kernel),
  };
}

function conv2dBackpropInput({ inputs, backend, attrs }: Args): TensorInfo {
  const { dy, filter } = inputs;
  const [kh, kw] = filter.shape as Shape4;
  const [n, ho, wo, cout] = dy.shape as Shape4;
  const [, h, w, cin] = attrs.inputShape;
  const info = backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as Shape4,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { strideHeight: sh, strideWidth: sw } = info;

  const temporaries: TensorInfo[] = [];
  let spread = dy;
  if (sh > 1 || sw > 1) {
    // [n,ho,1,wo,1,c] padded to [n,ho,sh,wo,sw,c] puts stride-1 zeros after every row and
    // column; the trailing ones are accounted for as part of the bottom/right padding below.
    const expanded = callKernel('Reshape', backend, { x: dy }, { shape: [n, ho, 1, wo, 1, cout] });
    const padded = callKernel(
      'PadV2',
      backend,
      { x: expanded },
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
    );
    free(backend, expanded);
    spread = callKernel('Reshape', backend, { x: padded }, { shape: [n, ho * sh, wo * sw, cout] });
    temporaries.push(padded, spread);
  }

  // dx[r] = sum over i of spread[r + i - padTop] * filter[kh - 1 - i], so that the forward
  // window of output row oh, starting at input row oh*sh - top, lines up. Negative padding
  // (padding wider than the kernel, or a last window running past the input) means cropping:
  // convolve without it, then slice the output.
  const padTop = kh - 1 - info.padInfo.top;
  const padLeft = kw - 1 - info.padInfo.left;
  const padBottom = h + kh - 1 - padTop - ho * sh;
  const padRight = w + kw - 1 - padLeft - wo * sw;
  const reversed = callKernel('Reverse', backend, { x: filter }, { dims: [0, 1] });
  const swapped = transpose(backend, reversed, [0, 1, 3, 2]);
  free(backend, reversed);
  const full = callKernel(
    'Conv2D',
    backend,
    { x: spread, filter: swapped },
    {
      strides: [1, 1],
      dilations: [1, 1],
      pad: [
        [0, 0],
        [Math.max(0, padTop), Math.max(0, padBottom)],
        [Math.max(0, padLeft), Math.max(0, padRight)],
        [0, 0],
      ],
      dataFormat: 'NHWC',
    },
  );
  free(backend, swapped, ...temporaries);
  if (full.shape[1] === h && full.shape[2] === w) return full;
  const dx = callKernel(
    'Slice',
    backend,
    { x: full },
    { begin: [0, Math.max(0, -padTop), Math.max(0, -padLeft), 0], size: [n, h, w, cin] },
  );
  free(backend, full);
  return dx;
}
