/**
 * Fractal Generator Protocol codec (FGP, PPID 32; notes §2.9). No FGP traffic was captured, so the
 * layout follows the notes: Parameter (1) = Width, Height, MaxIterations, AlgorithmID (u32 each),
 * then C1Real, C1Imag, C2Real, C2Imag, N as big-endian IEEE-754 doubles (60 bytes with the header);
 * Data (2) = StartX, StartY, Points (u32), then Points u32 values, at most 324. A Data message with
 * StartX = StartY = 0xffffffff and no points ends an image (RSPLIB's finalizer). The Cookie is
 * `<FG-TD1>`, a Parameter message, CurrentX u32, CurrentY u32 (76 bytes); RSPLIB writes the
 * embedded Parameter's Length field as 4 (the header size), so the decoder accepts 4 or 60 there.
 */
import { ByteReader, ByteWriter, bytesEqual, err, ok, type Result } from '../base/index.js';
import {
  APP_HEADER_BYTES,
  type AppBodyReader,
  asciiBytes,
  decodeAppMessage,
  finishAppMessage,
  isU32,
  type ServiceDecodeError,
  startAppMessage,
} from './app-header.js';

export const FGP_PPID = 32;

export const FgpType = { Parameter: 1, Data: 2 } as const;

export const FractalAlgorithm = { Mandelbrot: 1, MandelbrotN: 2 } as const;

/** Points per Data message (RSPLIB's FGD_MAX_POINTS). */
export const FGP_MAX_POINTS = 324;
export const FGP_PARAMETER_BYTES = 60;
export const FGP_COOKIE_BYTES = 76;
/** StartX/StartY of the Data message that ends an image. */
export const FGP_END_MARK = 0xffff_ffff;

export interface FractalParameter {
  readonly width: number;
  readonly height: number;
  readonly maxIterations: number;
  /** 1 = Mandelbrot, 2 = MandelbrotN; others are carried (a PE answers them with 0 iterations). */
  readonly algorithmId: number;
  readonly c1Real: number;
  readonly c1Imag: number;
  readonly c2Real: number;
  readonly c2Imag: number;
  readonly n: number;
}

export type FgpMessage =
  | ({ readonly kind: 'parameter' } & FractalParameter)
  | {
      readonly kind: 'data';
      readonly startX: number;
      readonly startY: number;
      /** The iteration counts of consecutive points in row order from (startX, startY). */
      readonly values: readonly number[];
    };

export interface FractalCookie {
  readonly parameter: FractalParameter;
  readonly currentX: number;
  readonly currentY: number;
}

export const FGP_COOKIE_ID = asciiBytes('<FG-TD1>');

const fail = (reason: string): { ok: false; error: ServiceDecodeError } => err({ protocol: 'fgp', reason });

function writeParameterBody(w: ByteWriter, p: FractalParameter): void {
  for (const v of [p.width, p.height, p.maxIterations, p.algorithmId]) {
    if (!isU32(v)) throw new RangeError(`FGP Parameter field ${v} is not a u32`);
    w.u32(v);
  }
  w.f64(p.c1Real).f64(p.c1Imag).f64(p.c2Real).f64(p.c2Imag).f64(p.n);
}

function readParameterBody(r: ByteReader): FractalParameter {
  return {
    width: r.u32(),
    height: r.u32(),
    maxIterations: r.u32(),
    algorithmId: r.u32(),
    c1Real: r.f64(),
    c1Imag: r.f64(),
    c2Real: r.f64(),
    c2Imag: r.f64(),
    n: r.f64(),
  };
}

export function parameterOf(p: FractalParameter): FractalParameter {
  const { width, height, maxIterations, algorithmId, c1Real, c1Imag, c2Real, c2Imag, n } = p;
  return { width, height, maxIterations, algorithmId, c1Real, c1Imag, c2Real, c2Imag, n };
}

export function encodeFgp(m: FgpMessage): Uint8Array {
  if (m.kind === 'parameter') {
    const w = startAppMessage(FgpType.Parameter);
    writeParameterBody(w, m);
    return finishAppMessage(w);
  }
  if (m.values.length > FGP_MAX_POINTS) throw new RangeError(`FGP Data with ${m.values.length} > 324 points`);
  const w = startAppMessage(FgpType.Data).u32(m.startX).u32(m.startY).u32(m.values.length);
  for (const v of m.values) w.u32(v);
  return finishAppMessage(w);
}

const FGP_BODIES: Readonly<Record<number, AppBodyReader<FgpMessage>>> = {
  [FgpType.Parameter]: (reader, bytes) => {
    if (bytes.length !== FGP_PARAMETER_BYTES) return fail(`Parameter of ${bytes.length} bytes, expected 60`);
    return ok({ kind: 'parameter', ...readParameterBody(reader) });
  },
  [FgpType.Data]: (reader) => {
    if (!reader.has(12)) return fail('Data shorter than 16 bytes');
    const startX = reader.u32();
    const startY = reader.u32();
    const points = reader.u32();
    if (points > FGP_MAX_POINTS) return fail(`Data with ${points} > 324 points`);
    if (reader.remaining !== points * 4)
      return fail(`Data says ${points} points but carries ${reader.remaining} bytes`);
    const values: number[] = [];
    for (let i = 0; i < points; i++) values.push(reader.u32());
    return ok({ kind: 'data', startX, startY, values });
  },
};

export function decodeFgp(bytes: Uint8Array): Result<FgpMessage, ServiceDecodeError> {
  return decodeAppMessage('fgp', bytes, FGP_BODIES);
}

/** The cookie as RSPLIB writes it (embedded Parameter Length = 4). */
export function encodeFractalCookie(c: FractalCookie): Uint8Array {
  const w = new ByteWriter(FGP_COOKIE_BYTES).bytes(FGP_COOKIE_ID);
  w.u8(FgpType.Parameter).u8(0).u16(APP_HEADER_BYTES);
  writeParameterBody(w, c.parameter);
  return w.u32(c.currentX).u32(c.currentY).finish();
}

export function decodeFractalCookie(bytes: Uint8Array): Result<FractalCookie, ServiceDecodeError> {
  if (bytes.length !== FGP_COOKIE_BYTES) return fail(`cookie of ${bytes.length} bytes, expected 76`);
  if (!bytesEqual(bytes.subarray(0, 8), FGP_COOKIE_ID)) return fail('cookie id is not <FG-TD1>');
  const r = new ByteReader(bytes, 8);
  const type = r.u8();
  r.u8();
  const length = r.u16();
  if (type !== FgpType.Parameter) return fail('cookie does not embed a Parameter');
  if (length !== APP_HEADER_BYTES && length !== FGP_PARAMETER_BYTES)
    return fail(`embedded Parameter length ${length}`);
  const parameter = readParameterBody(r);
  return ok({ parameter, currentX: r.u32(), currentY: r.u32() });
}

/** Checks a parameter set as an RSPLIB PE does (sizes 1..65536, at most 1e6 iterations). */
export function fractalParameterProblem(p: FractalParameter): string | undefined {
  if (p.width < 1 || p.width > 65536 || p.height < 1 || p.height > 65536)
    return 'width/height outside 1..65536';
  if (p.maxIterations > 1_000_000) return 'more than 1000000 iterations';
  for (const v of [p.c1Real, p.c1Imag, p.c2Real, p.c2Imag, p.n])
    if (!Number.isFinite(v)) return 'non-finite coordinate';
  return undefined;
}
