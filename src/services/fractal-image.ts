/**
 * Turns a Fractal client's image into pixels: each PE gets a hue (as fractalpooluser colours each PE's
 * share of the picture), each point's brightness follows its iteration count; points inside the set
 * (MaxIterations) are dark. Missing points are black. Deterministic: a PE's hue comes from its id.
 */
import type { FractalImage } from './fractal-client.js';
import type { PngImage } from './png.js';

export interface FractalColoring {
  /** Colour by PE (default) or plain grey levels. */
  readonly byPoolElement?: boolean;
}

export function fractalToPng(image: FractalImage, coloring: FractalColoring = {}): PngImage {
  const byPe = coloring.byPoolElement ?? true;
  const { width, height, iterations, poolElementOf, maxIterations } = image;
  const pixels = new Uint8Array(width * height * 3);
  const hues = new Map<number, [number, number, number]>();
  for (let i = 0; i < iterations.length; i++) {
    const pe = poolElementOf[i]!;
    if (pe === 0) continue;
    const it = iterations[i]!;
    const level =
      maxIterations === 0 || it >= maxIterations ? 0.15 : 0.35 + 0.65 * Math.sqrt(it / maxIterations);
    let rgb: [number, number, number] = [1, 1, 1];
    if (byPe) {
      let h = hues.get(pe);
      if (!h) {
        h = hueToRgb(((Math.imul(pe, 0x9e3779b1) >>> 0) % 360) / 360);
        hues.set(pe, h);
      }
      rgb = h;
    }
    pixels[3 * i] = Math.round(255 * level * rgb[0]);
    pixels[3 * i + 1] = Math.round(255 * level * rgb[1]);
    pixels[3 * i + 2] = Math.round(255 * level * rgb[2]);
  }
  return { width, height, color: 'rgb', pixels };
}

function hueToRgb(h: number): [number, number, number] {
  const f = (n: number): number => {
    const k = (n + h * 12) % 12;
    return 0.5 - 0.5 * Math.max(-1, Math.min(k - 3, 9 - k, 1));
  };
  return [f(0), f(8), f(4)].map((v) => 0.3 + 0.7 * v) as [number, number, number];
}
