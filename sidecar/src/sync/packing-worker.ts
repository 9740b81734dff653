/**
 * The library worker's entry. It lowers its own thread's priority first and only then loads the packer
 * (packing-job.ts and rules-cache): loading and compiling those modules is most of the thread's start-up (about
 * 50–80 ms of its 70–110 ms here), and at normal priority it competed with requests at the start of every
 * activation.
 */
import { parentPort } from 'node:worker_threads';
import { lowerOwnPriority } from '../thread-priority';

if (parentPort) {
  const port = parentPort;
  const priority = lowerOwnPriority();
  const { runPacker } = await import('./packing-job');
  runPacker(port, priority);
}
