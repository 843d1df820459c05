/**
 * The Fractal Generator's point function as RSPLIB's service computes it (a fact of the reference
 * implementation, notes §2.9): for pixel (x, y), c = (c1Real + x·stepX) + i(c1Imag + y·stepY) with
 * step = (c2 − c1) / size; z starts at 0 and iterates z ← z² − c (Mandelbrot) or z ← z^round(n) − c
 * (MandelbrotN) until |z|² ≥ 2 or MaxIterations; the value is the number of completed iterations.
 * Unknown algorithms give 0. Pure arithmetic on doubles.
 */
import { FractalAlgorithm, type FractalParameter } from './fractal-messages.js';

export function fractalPoint(p: FractalParameter, x: number, y: number): number {
  const stepX = (p.c2Real - p.c1Real) / p.width;
  const stepY = (p.c2Imag - p.c1Imag) / p.height;
  const cr = p.c1Real + x * stepX;
  const ci = p.c1Imag + y * stepY;
  let zr = 0;
  let zi = 0;
  let i = 0;
  if (p.algorithmId === FractalAlgorithm.Mandelbrot) {
    for (; i < p.maxIterations; i++) {
      const nr = zr * zr - zi * zi - cr;
      zi = 2 * zr * zi - ci;
      zr = nr;
      if (zr * zr + zi * zi >= 2) break;
    }
    return i;
  }
  if (p.algorithmId === FractalAlgorithm.MandelbrotN) {
    const n = Math.round(p.n);
    for (; i < p.maxIterations; i++) {
      [zr, zi] = complexPow(zr, zi, n);
      zr -= cr;
      zi -= ci;
      if (zr * zr + zi * zi >= 2) break;
    }
    return i;
  }
  return 0;
}

/** z^n for an integer n by repeated squaring (n < 0 through 1/z; 0^0 = 1 as in C++ std::pow). */
function complexPow(zr: number, zi: number, n: number): [number, number] {
  let br = zr;
  let bi = zi;
  let e = Math.abs(n);
  let rr = 1;
  let ri = 0;
  while (e > 0) {
    if (e % 2 === 1) [rr, ri] = [rr * br - ri * bi, rr * bi + ri * br];
    [br, bi] = [br * br - bi * bi, 2 * br * bi];
    e = Math.floor(e / 2);
  }
  if (n >= 0) return [rr, ri];
  const d = rr * rr + ri * ri;
  return d === 0 ? [Number.POSITIVE_INFINITY, 0] : [rr / d, -ri / d];
}
