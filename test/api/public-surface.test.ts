/**
 * The public surface is listed here, name by name, for the package root and its `wire` and `testing`
 * subpaths (values and types alike, as the TypeScript compiler sees the entry modules). An export added
 * or removed fails this test: the surface changes only on purpose, with this list updated beside it.
 * Also: `@internal` members do not reach the shipped declarations (`stripInternal`).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const ROOT_EXPORTS = [
  // the API
  'Registrar',
  'RegistrarOptions',
  'RegistrarEvents',
  'RegistrarEvent',
  'PoolElement',
  'PoolElementOptions',
  'PoolElementEvents',
  'PoolUser',
  'PoolUserOptions',
  'PoolUserEvents',
  'OpenSessionOptions',
  'ResolveOptions',
  'SendOptions',
  'Resolution',
  'ResolutionFailure',
  'Session',
  'SessionEvents',
  'dumpHandlespace',
  'DumpOptions',
  'HandlespaceDump',
  'runClient',
  'SansIoClient',
  'Logger',
  'LogRecord',
  'SctpTuning',
  'OPTION_DEFAULTS',
  'ServiceName',
  // errors
  'RserpoolError',
  'RserpoolErrorCode',
  'InvalidArgumentError',
  'ClosedError',
  'TimeoutError',
  'UnknownPoolHandleError',
  'RegistrarError',
  'RegistrationRejectedError',
  'SessionFailedError',
  'SocketError',
  'AssociationLostError',
  // services users run or write
  'PoolElementService',
  'ServiceAction',
  'ServiceInput',
  'EchoService',
  'DiscardService',
  'DaytimeService',
  'ChargenService',
  'PingPongService',
  'PingPongClient',
  'PingPongClientEvent',
  'PingPongClientOptions',
  'CalcAppService',
  'CalcAppClient',
  'CalcAppClientEvent',
  'CalcAppClientOptions',
  'FractalService',
  'FractalClient',
  'FractalClientEvent',
  'FractalClientOptions',
  'fractalToPng',
  'encodePng',
  // wire types the options name
  'PolicyName',
  'PoolPolicy',
  'PoolElementParameter',
  'TransportParameter',
];

const WIRE_EXPORTS = [
  // messages and their codec
  'AsapMessage',
  'AsapMessageKind',
  'AsapMessageType',
  'AsapBusinessCard',
  'AsapCookie',
  'AsapCookieEcho',
  'AsapDeregistration',
  'AsapDeregistrationResponse',
  'AsapEndpointKeepAlive',
  'AsapEndpointKeepAliveAck',
  'AsapEndpointUnreachable',
  'AsapError',
  'AsapHandleResolution',
  'AsapHandleResolutionResponse',
  'AsapRegistration',
  'AsapRegistrationResponse',
  'AsapServerAnnounce',
  'EnrpMessage',
  'EnrpMessageKind',
  'EnrpMessageType',
  'EnrpError',
  'EnrpHandleTableRequest',
  'EnrpHandleTableResponse',
  'EnrpHandleUpdate',
  'EnrpInitTakeover',
  'EnrpInitTakeoverAck',
  'EnrpListRequest',
  'EnrpListResponse',
  'EnrpPoolEntry',
  'EnrpPresence',
  'EnrpTakeoverServer',
  'EnrpUpdateAction',
  'decodeAsap',
  'encodeAsap',
  'decodeEnrp',
  'encodeEnrp',
  'decodeMessage',
  'encodeMessage',
  'MessageOf',
  'Protocol',
  'MessageExtras',
  'MessageFlag',
  'messagesEqual',
  'firstDifference',
  // errors in bytes
  'DecodeError',
  'decodeErrorCause',
  'decodeErrorToJson',
  'parametersToReport',
  'ErrorCause',
  'ErrorCauseEntry',
  'errorCauseName',
  'OperationError',
  // JSON form (rserpool decode/encode)
  'JsonValue',
  'messageFromJson',
  'messageToJson',
  'poolHandleToJson',
  // parameters and constants
  'ParameterAction',
  'parameterAction',
  'ParameterType',
  'PayloadProtocolId',
  'PolicyField',
  'PolicyLayout',
  'POLICY_LAYOUTS',
  'policyLayoutByName',
  'policyLayoutByType',
  'PolicyName',
  'PolicyType',
  'PoolElementId',
  'PoolElementParameter',
  'PoolHandle',
  'PoolPolicy',
  'RegistrarId',
  'ServerInformation',
  'TransportKind',
  'TransportParameter',
  'TransportUse',
  'TransportUseCode',
  'UpdateAction',
  'WellKnownPort',
  'HANDLE_RESOLUTION_ITEMS_ALL',
  'MAX_HANDLE_RESOLUTION_ITEMS',
  'MAX_POOLHANDLESIZE',
  'MAX_SINGLE_TRANSPORT_ADDRESSES',
  'MAX_TRANSPORT_ADDRESSES',
  'REGISTRATION_LIFE_INFINITE',
  // addresses and the PE checksum (RFC 5353 §3.8)
  'IpAddress',
  'canonicalIpAddress',
  'formatIpv4',
  'formatIpv6',
  'isIpv6Address',
  'parseIpAddress',
  'parseIpv4',
  'parseIpv6',
  'PeChecksumAccumulator',
  'peChecksumContribution',
  'finishPeChecksum',
];

const TESTING_EXPORTS = [
  'SimClock',
  'SimTask',
  'SimNetwork',
  'LinkConditions',
  'NetworkStats',
  'Receive',
  'RegistrarScope',
  'RegistrarScopeOptions',
  'ResolvedElement',
  'RegistrarNode',
  'ElementNode',
  'ScopeStats',
];

const ENTRIES = {
  'rserpool (src/index.ts)': ['src/index.ts', ROOT_EXPORTS],
  'rserpool/wire (src/wire/index.ts)': ['src/wire/index.ts', WIRE_EXPORTS],
  'rserpool/testing (src/testing/index.ts)': ['src/testing/index.ts', TESTING_EXPORTS],
} as const;

/** Every name an entry module exports, values and types, as a user's compiler sees it. */
function exportsOf(files: readonly string[]): Map<string, string[]> {
  const program = ts.createProgram(
    files.map((f) => ROOT + f),
    {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      skipLibCheck: true,
      noEmit: true,
      types: [],
    },
  );
  const checker = program.getTypeChecker();
  const out = new Map<string, string[]>();
  for (const f of files) {
    const source = program.getSourceFile(ROOT + f);
    assert.ok(source, `${f} not found`);
    const module = checker.getSymbolAtLocation(source);
    assert.ok(module, `${f} is not a module`);
    out.set(
      f,
      checker.getExportsOfModule(module).map((s) => s.name),
    );
  }
  return out;
}

describe('public surface', () => {
  const actual = exportsOf(Object.values(ENTRIES).map(([file]) => file));
  for (const [name, [file, listed]] of Object.entries(ENTRIES)) {
    test(`${name} exports exactly the listed names`, () => {
      const got = new Set(actual.get(file));
      const want = new Set<string>(listed);
      assert.equal(want.size, listed.length, 'a name is listed twice');
      const added = [...got].filter((n) => !want.has(n)).sort();
      const removed = [...want].filter((n) => !got.has(n)).sort();
      assert.deepEqual({ added, removed }, { added: [], removed: [] });
    });
  }

  test('helpers stay out of the package root', async () => {
    const root = (await import('../../src/index.js')) as Record<string, unknown>;
    for (const helper of [
      'parseHostPort',
      'randomPort',
      'SCTP_TUNING_SCHEMA',
      'checkOptions',
      'createService',
    ])
      assert.equal(root[helper], undefined, helper);
  });

  test('package.json exports ".", "./wire" and "./testing", each with types', () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as {
      exports: Record<string, { types: string; import: string }>;
    };
    assert.deepEqual(Object.keys(pkg.exports).sort(), ['.', './testing', './wire']);
    assert.equal(pkg.exports['./testing']?.import, './dist/src/testing/index.js');
    assert.equal(pkg.exports['./testing']?.types, './dist/src/testing/index.d.ts');
  });

  test('@internal members are stripped from the declarations (tsconfig stripInternal)', () => {
    const config = ts.readConfigFile(`${ROOT}tsconfig.json`, ts.sys.readFile);
    assert.equal(config.config.compilerOptions.stripInternal, true);
    const source = [
      'export class A {',
      '  /** @internal */',
      '  hidden(): void {}',
      '  shown(): void {}',
      '}',
    ].join('\n');
    let dts = '';
    const host = ts.createCompilerHost({});
    const read = host.getSourceFile;
    host.getSourceFile = (name, lang) =>
      name === 'a.ts' ? ts.createSourceFile(name, source, lang) : read.call(host, name, lang);
    host.writeFile = (_name, text) => {
      dts = text;
    };
    ts.createProgram(
      ['a.ts'],
      {
        declaration: true,
        emitDeclarationOnly: true,
        stripInternal: config.config.compilerOptions.stripInternal,
        noLib: true,
        types: [],
      },
      host,
    ).emit();
    assert.match(dts, /shown\(\)/);
    assert.doesNotMatch(dts, /hidden/);
  });
});
