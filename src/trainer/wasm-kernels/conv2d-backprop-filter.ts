import { backend_util, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import {
  asKernelFunc,
  callKernel,
  free,
  transpose,
  type ConvPadding,
  type DimRoundingMode,
  type WasmKernelArgs,
} from './kernel-calls.ts';

interface Conv2dBackpropFilterAttrs {
  strides: number | [number, number];
  pad: ConvPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: DimRoundingMode;
  filterShape: [number, number, number, number];
}

type Shape4 = [number, number, number, number];

/**
 * The filter gradient of a 2D convolution, which the wasm backend does not have at all (so CNNs
 * could not train on it). dW[i,j,ci,co] = sum over n,oh,ow of xpad[n, oh*sh+i, ow*sw+j, ci] *
 * dy[n,oh,ow,co] is itself a convolution: of x seen as Cin images of N channels ([Cin,H,W,N])
 * with dy seen as a filter ([Ho,Wo,N,Cout]) dilated by the stride, so XNNPACK's Conv2D does the
 * work. Its output, [Cin,kh,kw,Cout], is transposed back to the filter's [kh,kw,Cin,Cout].
 *
 * The convolution attribute has no dilations: TF.js refuses gradients of dilated convolutions
 * before any kernel runs. NCHW only changes which transposes bring x and dy into that layout.
 */
function conv2dBackpropFilter({
  inputs,
  backend,
  attrs,
}: WasmKernelArgs<{ x: TensorInfo; dy: TensorInfo }, Conv2dBackpropFilterAttrs>): TensorInfo {
  const { x, dy } = inputs;
  const channelsFirst = attrs.dataFormat === 'NCHW';
  const [kh, kw, cin, cout] = attrs.filterShape;
  const info = backend_util.computeConv2DInfo(
    x.shape as Shape4,
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    channelsFirst ? 'channelsFirst' : 'channelsLast',
  );
  const { inHeight: h, inWidth: w, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  // dy's own size says which windows the forward pass had (TF.js's conv2d gradient drops
  // dimRoundingMode, so the size recomputed here can disagree with it).
  const [ho, wo] = channelsFirst ? [dy.shape[2]!, dy.shape[3]!] : [dy.shape[1]!, dy.shape[2]!];

  // Pad the bottom and right just enough for kh x kw outputs: padding beyond the last window
  // multiplies nothing, and input rows past it (a 'valid' stride that does not divide) give an
  // output larger than the kernel, sliced off below.
  const bottom = Math.max(0, (ho - 1) * sh + kh - h - top);
  const right = Math.max(0, (wo - 1) * sw + kw - w - left);
  const xT = transpose(backend, x, channelsFirst ? [1, 2, 3, 0] : [3, 1, 2, 0]);
  const dyT = transpose(backend, dy, channelsFirst ? [2, 3, 0, 1] : [1, 2, 0, 3]);
  const full = callKernel(
    'Conv2D',
    backend,
    { x: xT, filter: dyT },
    {
      strides: [1, 1],
      dilations: [sh, sw],
      pad: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      dataFormat: 'NHWC',
    },
  );
  free(backend, xT, dyT);
  let cut = full;
  if (full.shape[1] !== kh || full.shape[2] !== kw) {
    cut = callKernel(
      'Slice',
      backend,
      { x: full },
      { begin: [0, 0, 0, 0], size: [cin, kh, kw, cout] },
    );
    free(backend, full);
  }
  const dw = transpose(backend, cut, [1, 2, 0, 3]);
  free(backend, cut);
  return dw;
}

export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: asKernelFunc(conv2dBackpropFilter),
};
