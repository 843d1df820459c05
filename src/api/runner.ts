/** Starting a component's sockets: a bind failure rejects with the API's SocketError, not Node's error. */
import { NodeRunner, type NodeRunnerOptions, type RunnableNode } from '../io/node-runner.js';
import { SocketError } from './errors.js';

export async function startRunner<E>(
  node: RunnableNode<E>,
  options: NodeRunnerOptions<E>,
): Promise<NodeRunner<E>> {
  try {
    return await NodeRunner.start(node, options);
  } catch (e) {
    const where = `${(options.addresses ?? ['0.0.0.0']).join(', ')} UDP port ${options.udpPort}`;
    const reason = e instanceof Error ? e.message : String(e);
    throw new SocketError(`cannot bind ${where}: ${reason}`, { cause: e });
  }
}
