/** The built-in services a pool element can serve, by the names the CLI uses (RSPLIB's rspserver set). */
import {
  CalcAppService,
  type CalcAppServiceOptions,
  ChargenService,
  DaytimeService,
  DiscardService,
  EchoService,
  FractalService,
  type FractalServiceOptions,
  PingPongService,
  type PingPongServiceOptions,
  type PoolElementService,
} from '../services/index.js';
import { checkOptions, object, oneOf, type Schema } from './validate.js';

export const SERVICE_NAMES = [
  'echo',
  'discard',
  'daytime',
  'chargen',
  'pingpong',
  'calcapp',
  'fractal',
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface ServiceOptions {
  readonly pingpong?: PingPongServiceOptions;
  readonly calcapp?: CalcAppServiceOptions;
  readonly fractal?: FractalServiceOptions;
}

const SERVICE_OPTIONS_SCHEMA: Schema<ServiceOptions> = { pingpong: object, calcapp: object, fractal: object };

/** A built-in service by name; InvalidArgumentError for an unknown name or bad options. */
export function createService(name: ServiceName, options: ServiceOptions = {}): PoolElementService {
  oneOf(SERVICE_NAMES)(name, 'service name');
  checkOptions(options, 'service options', SERVICE_OPTIONS_SCHEMA);
  switch (name) {
    case 'echo':
      return new EchoService();
    case 'discard':
      return new DiscardService();
    case 'daytime':
      return new DaytimeService();
    case 'chargen':
      return new ChargenService();
    case 'pingpong':
      return new PingPongService(options.pingpong);
    case 'calcapp':
      return new CalcAppService(options.calcapp);
    case 'fractal':
      return new FractalService(options.fractal);
  }
}

/** RSPLIB's default pool handle for a service (e.g. "EchoPool"). */
export function defaultPoolHandle(name: ServiceName): string {
  return createService(name).defaultPoolHandle;
}
